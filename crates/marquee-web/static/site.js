// Marquee's public site: suggestions in the header's search box as the reader types. Every page
// works without this script; it only fills the box's <datalist>.
'use strict';
(() => {
  const input = document.getElementById('site-search-q');
  const list = document.getElementById('search-suggestions');
  if (!input || !list) return;
  let timer = null;
  let controller = null;
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const q = input.value.trim();
      if (q.length < 2) return;
      if (controller) controller.abort();
      controller = new AbortController();
      try {
        const response = await fetch('/search/suggest?q=' + encodeURIComponent(q), {
          headers: { Accept: 'application/json' },
          signal: controller.signal,
        });
        if (!response.ok) return;
        const labels = await response.json();
        list.replaceChildren(...labels.map((label) => {
          const option = document.createElement('option');
          option.value = label;
          return option;
        }));
      } catch (_) {
        // A newer request took over, or the network failed: the box still searches on Enter.
      }
    }, 200);
  });
})();
