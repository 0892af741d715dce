/**
 * Townhall's portal widgets: one ES module, loaded with
 *   <script type="module" src="https://<gateway>/widgets/v1/townhall.js"></script>
 *
 * Importing it defines every <townhall-*> element (each file under components/, gathered
 * by the build as `townhall:components`) and exports { configure, version }. It also sets
 * `window.townhall` (when free) for pages whose own scripts are not modules.
 */
import 'townhall:components';
import { config, configure } from './core/config.js';

export const version = __TOWNHALL_VERSION__;
export { config, configure };

if (!('townhall' in window)) {
  Object.defineProperty(window, 'townhall', { value: Object.freeze({ configure, config, version }) });
}
