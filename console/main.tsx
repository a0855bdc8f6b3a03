import './csp-nonce.js';
import { createRoot } from 'react-dom/client';
import { App } from './app.js';
import { preloadPage } from './lazy-pages.js';
import { BASE } from './router.js';
import { startSession } from './session-start.js';

preloadPage(window.location.pathname.slice(BASE.length));

const root = document.getElementById('root');
// The first render (and its first layout, the page's longest task) waits for sign-in's answer: started before it, the
// main thread would be busy when the answer comes, and the first page's requests would leave only after it.
const render = () => {
  if (root) createRoot(root).render(<App />);
};
startSession().then(render, render);
