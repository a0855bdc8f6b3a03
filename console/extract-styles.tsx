/**
 * Build-time only (bundled for Node by scripts/build-console.ts, never shipped): renders the style
 * catalogue and returns the CSS Ant Design would otherwise compute in the browser, with the record of
 * which styles it holds, so the console loads it as a style sheet and Ant Design skips making them.
 */
import { createCache, extractStyle, StyleProvider } from '@ant-design/cssinjs';
import { renderToString } from 'react-dom/server';
import { StyleCatalogue } from './style-catalogue.js';

/** The console's Ant Design styles as plain CSS. */
export function extractConsoleStyles(): string {
  const cache = createCache();
  renderToString(
    <StyleProvider cache={cache}>
      <StyleCatalogue />
    </StyleProvider>,
  );
  return extractStyle(cache, { plain: true });
}
