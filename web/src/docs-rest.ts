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
    // Scalar's default greys and method colours are below WCAG AA contrast (4.5:1) on its own
    // backgrounds; the same hues, darker in light mode and lighter in dark mode.
    customCss: [
      '.light-mode { --scalar-color-2: #555555; --scalar-color-3: #5a5a5a; --scalar-color-green: #006b45; --scalar-color-blue: #005d99;',
      '  --scalar-color-orange: #a83c00; --scalar-color-red: #b3001b; --scalar-color-yellow: #7a5600; --scalar-color-purple: #6236a8; --scalar-color-accent: #005d99; }',
      '.dark-mode { --scalar-color-2: #c2c2c2; --scalar-color-3: #b0b0b0; --scalar-color-green: #4cd69b; --scalar-color-blue: #7cc0ff;',
      '  --scalar-color-orange: #ffa066; --scalar-color-red: #ff8a8a; --scalar-color-yellow: #f0c85a; --scalar-color-purple: #c9a6ff; --scalar-color-accent: #7cc0ff; }',
      // Its endpoint list card becomes a scroll area once the API has many routes, and a scroll area
      // with nothing focusable in it cannot be scrolled from the keyboard (axe scrollable-region-focusable):
      // let the card grow with its content instead.
      '.scalar-card-content.custom-scroll, .scalar-card-content .endpoints { max-height: none !important; overflow: visible !important; }',
    ].join('\n'),
  });
}
