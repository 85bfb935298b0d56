import type { AnyModel } from '@anywidget/types';

import type { IMessageModel } from '../protocol/kernelTransport';
import { mountViewer } from '../viewer/mountViewer';
import type { ViewModel } from '../viewer/viewModel';
import type { ViewState } from '../viewer/viewState';
import { chooseTransport, type IHttpSource } from './chooseTransport';

type WidgetState = ViewState & { _http: IHttpSource | null };

export default {
  async render({ model, el }: { model: AnyModel<WidgetState>; el: HTMLElement }) {
    let stop: (() => void) | null = null;
    const mount = async () => {
      const { transport, kind } = await chooseTransport(
        model as unknown as IMessageModel,
        model.get('_http'),
        model.get('info')?.version ?? null
      );
      stop?.();
      el.dataset.transport = kind;
      // A group's image picked in the viewer is opened by the kernel, which then says how it
      // is reached (`_http`): the viewer is mounted again on that transport.
      const onPickArray = (array: string) => model.send({ type: 'zarrview-pick', array });
      const unmount = mountViewer(el, model as unknown as ViewModel, transport, { onPickArray });
      stop = () => {
        unmount();
        (transport as { dispose?: () => void }).dispose?.();
      };
    };
    const remount = () => void mount();
    model.on('change:_http', remount);
    await mount();
    return () => {
      model.off('change:_http', remount);
      stop?.();
      stop = null;
    };
  }
};
