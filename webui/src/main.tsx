// Web UI entry point: styles (uPlot's own first, ours over them) and the app mounted on #app.
// Every screen's styles are here, also those of the screens loaded on first use (lazy-screen.tsx):
// esbuild writes a lazy chunk's CSS to a file of its own that nothing loads, and all the styles
// together are 8 KB gzipped. No component imports a stylesheet.
import 'uplot/dist/uPlot.min.css';
import './styles.css';
// (in the order the cascade was written for)
import './overview.css';
import './fleet.css';
import './checks.css';
import './alerting.css';
import './families.css';
import './accounts.css';
import './walls.css';
import './stats.css';
import './weblog.css';
import { render } from 'preact';
import { App } from './app.js';

const root = document.getElementById('app');
if (root) {
  // S9, S14: the app's first render (the language from localStorage, the first screen) in a task
  // of its own, not in the page's first one, which evaluates every module of the first load
  setTimeout(() => {
    root.textContent = '';
    render(<App />, root);
  }, 0);
}
