import './styles/app.css';
import type { AppContext } from './app/context.ts';
import { Shell } from './app/shell.ts';
import { Connection } from './net/connection.ts';
import { resolveEndpoint } from './net/endpoint.ts';
import { Rest } from './net/rest.ts';
import { comparePage } from './pages/compare-page.ts';
import { roverPage } from './pages/rover-page.ts';
import { runPage } from './pages/run-page.ts';
import { runsPage } from './pages/runs-page.ts';
import { AppStore } from './state/app-store.ts';
import { Notices } from './ui/notices.ts';

const endpoint = resolveEndpoint(location);
const rest = new Rest(endpoint);
const conn = new Connection(endpoint, { diagnose: () => rest.diagnose() });
const store = new AppStore(conn);
const notices = new Notices();
conn.onNotice((text) => notices.show(text));

const ctx: AppContext = {
  conn,
  store,
  rest,
  notices,
  navigate: (hash) => {
    location.hash = hash;
  },
};

const shell = new Shell(ctx, { runs: runsPage, run: runPage, compare: comparePage, rover: roverPage });
document.getElementById('app')!.replaceChildren(shell.el);
shell.start();
conn.start();
