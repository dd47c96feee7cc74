import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');

const app = mount(App, { target });
// The shell on the page, for the start-up benchmark's breakdown (scripts/bench/startup.mjs).
performance.mark('losslab:app-mounted');

export default app;
