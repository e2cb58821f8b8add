import { comingSoon } from './coming-soon.js';

export const title = 'Serverless Newton sketching';

export function render(container) {
  comingSoon(container, {
    title,
    paper: 'distributed Newton sketching for serverless computing, with debiased averaging (the reference is fixed when the lab lands)',
    summary:
      'Many simulated serverless workers (real Web Workers) each return a debiased sketched Newton direction; the server averages them.',
    points: [
      'Sketch size chosen by a Marchenko-Pastur rule.',
      'Each worker has its own wasm instance and no shared memory, as real FaaS functions have.',
      'Convergence against the number of workers and the sketch size.',
    ],
    cli: 'convexlab sketch --config run.json',
  });
}
