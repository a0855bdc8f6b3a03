/**
 * The page's style nonce (from its CSP), given to every <style> element the console's own code creates.
 * Ant Design passes it to its run-time styles, but some of its helpers (scroll-bar measurement, the
 * modal's scroll lock, feature checks) create style elements without asking for one, which the CSP
 * would then block. Only code already running in the page can call createElement, so this lets no
 * injected markup through.
 */
export const STYLE_NONCE = document.querySelector<HTMLMetaElement>('meta[name="csp-nonce"]')?.content ?? '';

// Read from the prototype's descriptor rather than as `document.createElement`: the DOM typings give that
// method a deprecated overload, which would mark every reference to it deprecated.
const original: unknown = Object.getOwnPropertyDescriptor(Document.prototype, 'createElement')?.value;

function createElementWithNonce(tagName: string, options?: ElementCreationOptions): HTMLElement {
  const element: unknown = typeof original === 'function' ? Reflect.apply(original, document, [tagName, options]) : undefined;
  if (!(element instanceof HTMLElement)) throw new Error(`document.createElement('${tagName}') made no element`);
  if (STYLE_NONCE && tagName.toLowerCase() === 'style') element.setAttribute('nonce', STYLE_NONCE);
  return element;
}
Object.defineProperty(document, 'createElement', { value: createElementWithNonce, configurable: true, writable: true });
