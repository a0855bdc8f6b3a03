import './csp-nonce.js';
import { createRoot } from 'react-dom/client';
import { App } from './app.js';
import { preloadPage } from './lazy-pages.js';
import { BASE } from './router.js';

preloadPage(window.location.pathname.slice(BASE.length));

const root = document.getElementById('root');
if (root) createRoot(root).render(<App />);
