import { comingSoon } from './coming-soon.js';

export const title = 'Active learning by cutting planes';

export function render(container) {
  comingSoon(container, {
    title,
    paper: 'E. Zhang, M. Zhang, M. Pilanci, "Active Learning of Deep Neural Networks via Gradient-Free Cutting Planes", ICML 2025 (arXiv 2410.02145)',
    summary:
      'Place and label 2-D points yourself; a ReLU network is trained without gradients, by cutting planes on its convex reformulation, and asks you for the next label.',
    points: [
      'Analytic centres of the version space by a structured Newton method (block-diagonal plus low rank).',
      'You are the oracle: answer with a click or the keys 1 and 2.',
      'Learning curves against random sampling, uncertainty sampling, BALD and query-by-committee.',
    ],
    cli: 'convexlab active --config run.json',
  });
}
