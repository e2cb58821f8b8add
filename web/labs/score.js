import { comingSoon } from './coming-soon.js';

export const title = 'Convex score matching';

export function render(container) {
  comingSoon(container, {
    title,
    paper: 'F. Zhang, M. Pilanci, "Analyzing Neural Network-Based Generative Diffusion Models through Convex Optimization", 2024',
    summary:
      'Two-layer ReLU score models solved exactly as convex programs, compared with Adam training, and sampled with Langevin dynamics.',
    points: [
      'The exact convex program against Adam on the non-convex model.',
      'Score fields drawn over the plane.',
      'Langevin sampling from the learned score.',
    ],
    cli: 'convexlab score --config run.json',
  });
}
