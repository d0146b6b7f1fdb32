// Marquee admin: live preview, verdict, film suggestions, image upload and drag-and-drop.
// Every page works without this script; it only adds conveniences. The CSP allows only
// same-origin scripts, so everything is wired with addEventListener.
'use strict';

(() => {
  const tokenMeta = document.querySelector('meta[name="csrf-token"]');
  const csrf = tokenMeta ? tokenMeta.content : '';
  const byId = (id) => document.getElementById(id);

  function debounce(fn, ms) {
    let timer = 0;
    return () => {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  }

  // A region that scrolls must be reachable from the keyboard (axe: scrollable-region-focusable),
  // so tables too wide for the screen and the sticky preview get a tab stop only while they scroll.
  function markScrollable() {
    for (const el of document.querySelectorAll('.table-scroll, .preview')) {
      const style = getComputedStyle(el);
      const scrolls = (/auto|scroll/.test(style.overflowX) && el.scrollWidth > el.clientWidth + 1)
        || (/auto|scroll/.test(style.overflowY) && el.scrollHeight > el.clientHeight + 1);
      if (scrolls && !el.hasAttribute('tabindex')) {
        el.tabIndex = 0;
        el.dataset.scrollStop = '';
      } else if (!scrolls && 'scrollStop' in el.dataset) {
        el.removeAttribute('tabindex');
        delete el.dataset.scrollStop;
      }
    }
  }

  // Gives a file input the first dropped file (a single-file input should not hold several).
  function chooseFile(input, files) {
    try {
      const only = new DataTransfer();
      only.items.add(files[0]);
      input.files = only.files;
    } catch (e) {
      input.files = files;
    }
  }

  // Highlights a drop target while a file is over it and hands dropped files to onFiles.
  function dropTarget(el, onFiles) {
    el.addEventListener('dragover', (event) => {
      event.preventDefault();
      if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
      el.classList.add('drag-over');
    });
    el.addEventListener('dragleave', (event) => {
      // Moving between the target's own children fires dragleave too.
      if (!el.contains(event.relatedTarget)) el.classList.remove('drag-over');
    });
    el.addEventListener('drop', (event) => {
      event.preventDefault();
      el.classList.remove('drag-over');
      const files = event.dataTransfer ? event.dataTransfer.files : null;
      if (files && files.length > 0) onFiles(files);
    });
  }

  function setupPreview(form, body) {
    const url = form.dataset.previewUrl;
    const target = byId('preview-body');
    const status = byId('preview-status');
    if (!url || !target) return;
    let controller = null;
    const refresh = async () => {
      // Only the latest text matters: an older request still in flight is abandoned.
      if (controller) controller.abort();
      controller = new AbortController();
      const data = new FormData();
      data.append('csrf', csrf);
      data.append('body', body.value);
      try {
        const response = await fetch(url, {
          method: 'POST',
          body: data,
          credentials: 'same-origin',
          headers: { 'X-CSRF-Token': csrf },
          signal: controller.signal,
        });
        if (!response.ok) throw new Error(`status ${response.status}`);
        // Already sanitized by the server, with the same renderer as the public page.
        target.innerHTML = await response.text();
        if (status) status.textContent = '';
        markScrollable();
      } catch (error) {
        if (error.name === 'AbortError') return;
        if (status) status.textContent = 'The preview could not be updated. Press Preview to see it.';
      }
    };
    body.addEventListener('input', debounce(refresh, 400));
    if (body.value.trim() !== '') refresh();
  }

  function setupVerdict() {
    const score = byId('score');
    const override = byId('verdict_override');
    const verdict = byId('verdict');
    const list = byId('bands');
    if (!score || !verdict || !list) return;
    const bands = Array.from(list.querySelectorAll('li[data-min]'), (li) => ({
      min: Number(li.dataset.min),
      label: li.textContent.trim(),
    })).filter((band) => Number.isFinite(band.min));
    const update = () => {
      const custom = override ? override.value.trim() : '';
      if (custom !== '') {
        verdict.textContent = custom;
        return;
      }
      const text = score.value.trim();
      const value = text === '' ? NaN : Number(text);
      let best = null;
      if (value >= 0 && value <= 10) {
        for (const band of bands) {
          if (band.min <= value && (best === null || band.min > best.min)) best = band;
        }
      }
      verdict.textContent = best ? best.label : '';
    };
    score.addEventListener('input', update);
    if (override) override.addEventListener('input', update);
  }

  function setupSuggestions() {
    const title = byId('film_title');
    const list = byId('film-suggestions');
    const year = byId('film_year');
    if (!title || !list) return;
    let films = [];
    let controller = null;
    const suggest = async () => {
      const query = title.value.trim();
      if (query.length < 2) return;
      if (controller) controller.abort();
      controller = new AbortController();
      try {
        const response = await fetch(`/admin/films/suggest?q=${encodeURIComponent(query)}`, {
          credentials: 'same-origin',
          headers: { Accept: 'application/json' },
          signal: controller.signal,
        });
        if (!response.ok) return;
        const found = await response.json();
        if (!Array.isArray(found)) return;
        films = found;
        list.replaceChildren(...found.map((film) => {
          const option = document.createElement('option');
          option.value = film.title;
          option.textContent = film.year ? `${film.title} (${film.year})` : film.title;
          return option;
        }));
      } catch (error) {
        // Suggestions are a convenience: the title can always be typed in full.
      }
    };
    title.addEventListener('input', debounce(suggest, 250));
    title.addEventListener('change', () => {
      if (!year || year.value.trim() !== '') return;
      const matches = films.filter((film) => film.title === title.value.trim());
      if (matches.length === 1 && matches[0].year) year.value = String(matches[0].year);
    });
  }

  function insertAtCursor(textarea, text) {
    const start = textarea.selectionStart;
    const end = textarea.selectionEnd;
    textarea.value = textarea.value.slice(0, start) + text + textarea.value.slice(end);
    textarea.selectionStart = textarea.selectionEnd = start + text.length;
    // Lets the live preview and the unsaved-changes warning see the change.
    textarea.dispatchEvent(new Event('input', { bubbles: true }));
  }

  function setupImageInsert(body) {
    const box = byId('image-insert');
    const file = byId('insert-file');
    const alt = byId('insert-alt');
    const button = byId('insert-button');
    const zone = byId('drop-zone');
    const status = byId('insert-status');
    if (!box || !file || !alt || !button) return;
    const say = (text) => { if (status) status.textContent = text; };
    box.hidden = false;

    const upload = async () => {
      if (button.disabled) return; // an upload is already under way
      const chosen = file.files && file.files[0];
      if (!chosen) {
        file.focus();
        say('Choose an image file first.');
        return;
      }
      if (alt.value.trim() === '') {
        alt.focus();
        say('Describe the image first: its alt text is required.');
        return;
      }
      const data = new FormData();
      data.append('csrf', csrf);
      data.append('alt', alt.value.trim());
      data.append('file', chosen, chosen.name);
      button.disabled = true;
      say('Uploading…');
      try {
        const response = await fetch('/admin/media', {
          method: 'POST',
          body: data,
          credentials: 'same-origin',
          headers: { Accept: 'application/json', 'X-CSRF-Token': csrf },
        });
        const reply = await response.json().catch(() => null);
        if (!response.ok || !reply || typeof reply.markdown !== 'string') {
          say(reply && reply.error ? reply.error : `The upload failed (${response.status}). Try again, or upload it under Media.`);
          return;
        }
        insertAtCursor(body, `\n\n${reply.markdown}\n\n`);
        file.value = '';
        alt.value = '';
        say('Inserted.');
      } catch (error) {
        say('The upload failed: check the connection and try again.');
      } finally {
        button.disabled = false;
      }
    };

    button.addEventListener('click', upload);
    if (zone) {
      dropTarget(zone, (files) => {
        chooseFile(file, files);
        upload();
      });
    }
  }

  function setupUploadForm() {
    const form = byId('upload-form');
    const input = form ? form.querySelector('input#file') : null;
    if (!input) return;
    for (const hint of form.querySelectorAll('.drop-hint')) hint.hidden = false;
    dropTarget(form, (files) => {
      chooseFile(input, files);
      input.dispatchEvent(new Event('change', { bubbles: true }));
    });
  }

  function setupUnsaved(form) {
    let dirty = false;
    form.addEventListener('input', () => { dirty = true; });
    form.addEventListener('submit', () => { dirty = false; });
    window.addEventListener('beforeunload', (event) => {
      if (!dirty) return;
      event.preventDefault();
      // Older browsers show the warning only when returnValue is set.
      event.returnValue = '';
    });
  }

  // Lists: drag a film to a new place; the whole order is saved at once. The Up and Down
  // buttons remain for keyboards and for pages without this script.
  function setupReorder() {
    const list = byId('list-items');
    if (!list || !list.dataset.orderUrl) return;
    const status = byId('order-status');
    const items = () => Array.from(list.querySelectorAll('li[data-film]'));
    let dragged = null;
    // Where the dragged film was, to put it back when the drag ends without a drop on the list
    // (let go elsewhere, or Escape): the page must not show an order that was never saved.
    let origin = null;
    let dropped = false;

    function renumber() {
      const all = items();
      all.forEach((item, i) => {
        const title = item.querySelector('.list-item-title');
        if (title) title.textContent = title.textContent.replace(/^\d+\. /, (i + 1) + '. ');
        const up = item.querySelector('button[value="up"]');
        const down = item.querySelector('button[value="down"]');
        if (up) up.disabled = i === 0;
        if (down) down.disabled = i === all.length - 1;
      });
    }

    async function save() {
      const data = new FormData();
      data.append('csrf', csrf);
      data.append('order', items().map((item) => item.dataset.film).join(','));
      try {
        const response = await fetch(list.dataset.orderUrl, {
          method: 'POST',
          body: data,
          headers: { 'X-CSRF-Token': csrf },
          credentials: 'same-origin',
          redirect: 'manual',
        });
        // The server answers a saved order with a redirect, which fetch reports as opaque.
        const saved = response.ok || response.type === 'opaqueredirect';
        if (status) status.textContent = saved ? 'Order saved.' : 'The order could not be saved: reload the page and try again.';
      } catch (_) {
        if (status) status.textContent = 'The order could not be saved: check the connection and try again.';
      }
      renumber();
    }

    for (const item of items()) {
      item.draggable = true;
      item.addEventListener('dragstart', (event) => {
        dragged = item;
        origin = item.nextElementSibling;
        dropped = false;
        item.classList.add('dragging');
        event.dataTransfer.effectAllowed = 'move';
        event.dataTransfer.setData('text/plain', item.dataset.film);
      });
      item.addEventListener('dragend', () => {
        item.classList.remove('dragging');
        if (!dropped && item.nextElementSibling !== origin) list.insertBefore(item, origin);
        dragged = null;
        origin = null;
      });
      item.addEventListener('dragover', (event) => {
        if (!dragged || dragged === item) return;
        event.preventDefault();
        const box = item.getBoundingClientRect();
        const after = event.clientY > box.top + box.height / 2;
        list.insertBefore(dragged, after ? item.nextSibling : item);
      });
    }
    list.addEventListener('dragover', (event) => { if (dragged) event.preventDefault(); });
    list.addEventListener('drop', (event) => {
      if (!dragged) return;
      event.preventDefault();
      dropped = true;
      save();
    });
  }

  // An import's page: its progress, read every second until the job ends, then the page again
  // for the summary.
  function followJob(box) {
    const part = (name) => box.querySelector(`[data-job="${name}"]`);
    let wait = 1000;
    const poll = async () => {
      let job;
      try {
        const response = await fetch(box.dataset.jobStatus, { headers: { Accept: 'application/json' } });
        // Gone (the server restarted, or the job was forgotten): the page says so itself.
        if (response.status === 404) {
          window.location.replace(window.location.pathname);
          return;
        }
        if (!response.ok) throw new Error(`status ${response.status}`);
        job = await response.json();
        wait = 1000;
      } catch (_) {
        // Unreachable for a moment: ask again, less often, up to every half minute.
        wait = Math.min(wait * 2, 30000);
        setTimeout(poll, wait);
        return;
      }
      if (job.status !== 'running') {
        // The page again, without the notice that the job started.
        window.location.replace(window.location.pathname);
        return;
      }
      if (part('step')) part('step').textContent = job.step || 'Starting';
      if (part('count')) part('count').textContent = job.total > 0 ? `${job.done} of ${job.total}` : `${job.done}`;
      if (part('rate')) part('rate').textContent = `${job.rate}`;
      if (part('item')) part('item').textContent = job.item;
      const bar = part('bar');
      if (bar) {
        if (job.total > 0) {
          bar.max = job.total;
          bar.value = job.done;
        } else {
          bar.removeAttribute('value');
        }
      }
      setTimeout(poll, wait);
    };
    setTimeout(poll, 500);
  }

  const job = document.querySelector('[data-job-status]');
  if (job && job.dataset.jobState === 'running') followJob(job);

  const editor = byId('editor');
  const body = byId('body');
  if (editor && editor.tagName === 'FORM') {
    if (body && body.tagName === 'TEXTAREA') {
      setupPreview(editor, body);
      setupImageInsert(body);
    }
    setupVerdict();
    setupUnsaved(editor);
  }
  // The editor, the diary, lists and the watchlist all pick films by title.
  if (byId('film_title') && byId('film-suggestions')) setupSuggestions();
  setupReorder();
  setupUploadForm();
  markScrollable();
  window.addEventListener('resize', debounce(markScrollable, 200));
})();
