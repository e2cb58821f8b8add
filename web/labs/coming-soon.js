// The page a lab shows until its issue lands: what it will do, with the paper it implements.

/** Renders a "coming soon" card for a lab described by { title, paper, summary, points }. */
export function comingSoon(container, { title, paper, summary, points, cli }) {
  const section = document.createElement('section');
  section.className = 'card coming-soon';
  section.innerHTML = `
    <h2></h2>
    <p class="status">Coming soon: the solver is being built and checked against the paper.</p>
    <p class="summary"></p>
    <ul></ul>
    <p class="paper">Paper: <cite></cite></p>
    <p class="cli">Headless: <code></code></p>`;
  section.querySelector('h2').textContent = title;
  section.querySelector('.summary').textContent = summary;
  section.querySelector('cite').textContent = paper;
  section.querySelector('code').textContent = cli;
  const ul = section.querySelector('ul');
  for (const p of points) {
    const li = document.createElement('li');
    li.textContent = p;
    ul.append(li);
  }
  container.append(section);
}
