// Language suggestions as the auditor types: a moment after they stop typing in a text box, its
// text is sent to /audits/:auditId/writing-suggestions and the suggestions (words that label or
// blame, with a child-centred alternative and why) are shown under the box in a polite live
// region, so a screen reader hears them without focus moving. Suggestions only; without
// JavaScript the same suggestions are on the check page.
const form = document.querySelector('form[data-autosave]');
const match = form?.dataset.autosave?.match(/^(\/audits\/[0-9a-f-]+)\/parts\//);
const WAIT_MS = 400;

function region(box) {
  const id = `${box.id}-writing`;
  let el = document.getElementById(id);
  if (el) return el;
  el = document.createElement('div');
  el.id = id;
  el.className = 'app-writing-live';
  el.setAttribute('aria-live', 'polite');
  el.setAttribute('data-writing-for', box.id);
  const group = box.closest('.govuk-form-group') ?? box;
  group.after(el);
  return el;
}

function show(el, suggestions) {
  el.replaceChildren();
  if (!suggestions.length) return;
  const inset = document.createElement('div');
  inset.className = 'govuk-inset-text app-writing-suggestions';
  const heading = document.createElement('p');
  heading.className = 'govuk-body govuk-!-font-weight-bold govuk-!-margin-bottom-1';
  heading.textContent =
    suggestions.length === 1
      ? '1 suggestion on the writing'
      : `${suggestions.length} suggestions on the writing`;
  const list = document.createElement('ul');
  list.className = 'govuk-list govuk-list--bullet';
  for (const s of suggestions.slice(0, 20)) {
    const li = document.createElement('li');
    li.append(`“${s.found}”: ${s.suggestion}. `);
    const why = document.createElement('span');
    why.className = 'govuk-hint app-writing-why';
    why.textContent = s.why;
    li.append(why);
    list.append(li);
  }
  inset.append(heading, list);
  el.append(inset);
}

if (form && match) {
  const url = `${match[1]}/writing-suggestions`;
  const csrf = form.querySelector('input[name="_csrf"]')?.value ?? '';
  const timers = new WeakMap();
  const lastText = new WeakMap();
  const ask = async (box) => {
    const text = box.value;
    if (lastText.get(box) === text) return;
    lastText.set(box, text);
    const el = region(box);
    if (!text.trim()) {
      show(el, []);
      return;
    }
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ _csrf: csrf, text }).toString(),
        credentials: 'same-origin',
      });
      if (!response.ok || !response.headers.get('content-type')?.includes('application/json')) return;
      const json = await response.json();
      // a newer text may have been typed while this one was being looked at
      if (box.value === text) show(el, json.suggestions ?? []);
    } catch {
      // suggestions are a help, not a duty: a failed request is left quietly
    }
  };
  const boxes = form.querySelectorAll('textarea[id]');
  for (const box of boxes) {
    region(box);
    box.addEventListener('input', () => {
      clearTimeout(timers.get(box));
      timers.set(
        box,
        setTimeout(() => void ask(box), WAIT_MS),
      );
    });
    if (box.value.trim()) void ask(box);
  }
}
