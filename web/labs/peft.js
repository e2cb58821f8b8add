import { comingSoon } from './coming-soon.js';

export const title = 'Parameter-efficient fine-tuning';

export function render(container) {
  comingSoon(container, {
    title,
    paper: 'F. Zhang, M. Pilanci, "Riemannian Preconditioned LoRA for Fine-Tuning Foundation Models", ICML 2024; "Spectral Adapter: Fine-Tuning in Spectral Space", 2024',
    summary:
      'LoRA trained with and without the r x r Riemannian preconditioner, spectral adapters, and multi-adapter fusion.',
    points: [
      'Scaled GD and scaled AdamW against their plain versions.',
      'Additive and rotational spectral adapters.',
      'Fusing several adapters into one model.',
    ],
    cli: 'convexlab peft --config run.json',
  });
}
