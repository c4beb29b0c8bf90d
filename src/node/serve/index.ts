/**
 * Serving the latent-space explorer (app/) with a run: `vaekit serve` (startExplorerServer) and
 * `vaekit export-app` (exportApp), on a static file server that refuses traversal (startStaticServer).
 */
export {
  startExplorerServer,
  checkAppFolder,
  checkExplorableRun,
  siteIndex,
  DEFAULT_APP_FOLDER,
  APP_INDEX,
  SITE_PATHS,
  type ExplorerAppOptions,
  type ExplorerServerOptions,
  type ExplorerServer,
} from './explorer-site.js';
export { exportApp, type ExportAppOptions, type ExportAppResult } from './export-app.js';
export {
  startStaticServer,
  parseRequestPath,
  LISTEN_DEFAULTS,
  type StaticSite,
  type StaticMount,
  type ListenOptions,
  type RunningServer,
  type RequestPath,
} from './static-server.js';
export { contentTypeOf, CONTENT_TYPES, DEFAULT_CONTENT_TYPE } from './content-type.js';
export { openInBrowser, browserOpener } from './open-browser.js';
