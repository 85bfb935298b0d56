import { zarrviewDocumentPlugin } from './documentPlugin';
import { zarrviewPlugin } from './plugin';
import { zarrviewSharePlugin } from './sharePlugin';

export default [zarrviewPlugin, zarrviewDocumentPlugin, zarrviewSharePlugin];
