/**
 * The intranet page's sign-in for Townhall's widgets, as a SharePoint (SPFx) web part does it:
 * the page gets a token for its visitor from its own identity provider (token.js) and hands
 * it over with townhall.configure({ endpoint, getToken }).
 *
 * This module loads before the page's widget tag and imports the same bundle, so configure()
 * runs as soon as the bundle is evaluated: the widgets' first requests already carry the
 * token. Write your gateway's address in the import.
 */
import { getToken } from './token.js';
import { configure } from '{{gateway}}/widgets/v1/townhall.js';

const GATEWAY = '{{gateway}}';

configure({ endpoint: new URL('/graphql', GATEWAY).href, getToken });
