import { zarrviewPlugin } from './plugin';

export default [zarrviewPlugin];
