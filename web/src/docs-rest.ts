/**
 * /docs: the REST reference, rendered by Scalar's standalone bundle (served from node_modules at
 * /vendor/scalar/) from /docs/openapi.json. Nothing is fetched from another origin: no default
 * fonts, no proxy, no telemetry; the Socket.IO door has its own page, linked from the description.
 */
interface ScalarGlobal {
  createApiReference(selector: string, config: Record<string, unknown>): unknown;
}

const scalar = (globalThis as { Scalar?: ScalarGlobal }).Scalar;
const mount = document.getElementById('api-reference');
if (!scalar || !mount) {
  if (mount) mount.textContent = 'The API reference could not load: see /docs/openapi.json.';
} else {
  mount.replaceChildren();
  scalar.createApiReference('#api-reference', {
    url: '/docs/openapi.json',
    withDefaultFonts: false,
    hideClientButton: true,
    telemetry: false,
    showDeveloperTools: 'never',
    agent: { disabled: true },
    mcp: { disabled: true },
    defaultOpenAllTags: false,
    documentDownloadType: 'json',
  });
}
