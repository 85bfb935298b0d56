import type { AnyModel } from '@anywidget/types';

import type { IMessageModel } from '../protocol/kernelTransport';
import { mountViewer } from '../viewer/mountViewer';
import type { ViewModel } from '../viewer/viewModel';
import type { ViewState } from '../viewer/viewState';
import { chooseTransport, type IHttpSource } from './chooseTransport';

type WidgetState = ViewState & { _http: IHttpSource | null };

export default {
  async render({ model, el }: { model: AnyModel<WidgetState>; el: HTMLElement }) {
    const info = model.get('info');
    const { transport, kind } = await chooseTransport(
      model as unknown as IMessageModel,
      model.get('_http'),
      info?.version ?? null
    );
    el.dataset.transport = kind;
    const unmount = mountViewer(el, model as unknown as ViewModel, transport);
    return () => {
      unmount();
      (transport as { dispose?: () => void }).dispose?.();
    };
  }
};
