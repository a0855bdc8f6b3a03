/**
 * The page's style nonce (from its CSP), given to every <style> element the console's own code creates.
 * Ant Design passes it to its run-time styles, but some of its helpers (scroll-bar measurement, the
 * modal's scroll lock, feature checks) create style elements without asking for one, which the CSP
 * would then block. Only code already running in the page can call createElement, so this lets no
 * injected markup through.
 */
export const STYLE_NONCE = document.querySelector<HTMLMetaElement>('meta[name="csp-nonce"]')?.content ?? '';

const createElement = document.createElement.bind(document);
document.createElement = (tagName: string, options?: ElementCreationOptions) => {
  const element = createElement(tagName, options);
  if (STYLE_NONCE && tagName.toLowerCase() === 'style') element.setAttribute('nonce', STYLE_NONCE);
  return element;
};
