import { zarrviewDocumentPlugin } from './documentPlugin';
import { zarrviewPlugin } from './plugin';

export default [zarrviewPlugin, zarrviewDocumentPlugin];
