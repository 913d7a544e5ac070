/**
 * Standalone emulator: `npm run jenkins-sim -- --port 8080` serves the demo fixture
 * (user admin, API token admin-token). Options: --host, --prefix /jenkins, --time-scale 0.1,
 * --quiet-period <ms>, --projects N --branches M (generated data set instead of the demo),
 * --latency <ms>, --anonymous-read.
 */
import { parseArgs } from 'node:util';
import { createJenkinsSim } from './index.js';
import { generateProjects, loadDemoFixture } from './fixture.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8080' },
    host: { type: 'string', default: '127.0.0.1' },
    prefix: { type: 'string', default: '' },
    'time-scale': { type: 'string', default: '1' },
    'quiet-period': { type: 'string', default: '5000' },
    projects: { type: 'string' },
    branches: { type: 'string', default: '20' },
    latency: { type: 'string', default: '0' },
    'anonymous-read': { type: 'boolean', default: false },
  },
});

const sim = await createJenkinsSim({
  port: Number(values.port),
  host: values.host,
  prefix: values.prefix,
  timeScale: Number(values['time-scale']),
  quietPeriodMs: Number(values['quiet-period']),
  anonymousRead: values['anonymous-read'],
});
if (values.projects) generateProjects(sim, { projects: Number(values.projects), branches: Number(values.branches) });
else loadDemoFixture(sim);
if (Number(values.latency)) sim.setLatency(Number(values.latency));

console.log(`Jenkins emulator listening on ${sim.url}/ (user admin, API token admin-token, password admin)`);

const stop = () => {
  void sim.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
