import { mount } from 'svelte';
import { appEngine } from './lib/engine/connection.svelte';
import './app.css';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');

// The engine first: its socket opens (and the server starts its engine) while the shell's code,
// most of the page's script, is fetched and compiled. The shell awaits the same connection.
void appEngine().connect();
const { default: App } = await import('./App.svelte');

const app = mount(App, { target });
// The shell on the page, for the start-up benchmark's breakdown (scripts/bench/startup.mjs).
performance.mark('losslab:app-mounted');

export default app;
