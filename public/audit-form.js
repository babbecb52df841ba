// Saves an audit's page as the auditor types, and warns before the page is left with changes not
// yet saved. Progressive enhancement only: without this script every way out of the form that
// belongs to the audit (the back link, the list of parts, raising an escalation) is a button that
// saves, so nothing is lost by moving between pages.
const form = document.querySelector('form[data-autosave]');
const status = document.getElementById('autosave-status');
const revisionInput = form?.querySelector('[data-revision]');
const QUIET_MS = 1500;
const LONGEST_MS = 10000;

let timer = null;
let firstChange = 0;
let saving = false;
let again = false;
let stopped = false;
let lastSent = null;
let submitting = false;

function body() {
  const data = new URLSearchParams(new FormData(form));
  data.delete('next');
  return data;
}

function say(text) {
  if (status) status.textContent = text;
}

/** Whether the form holds changes not yet saved. */
function unsaved() {
  return body().toString() !== lastSent;
}

async function save({ leaving = false } = {}) {
  timer = null;
  firstChange = 0;
  if (stopped) return;
  if (saving) {
    again = true;
    return;
  }
  const data = body();
  const text = data.toString();
  if (text === lastSent) return;
  saving = true;
  try {
    const response = await fetch(form.dataset.autosave, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: text,
      credentials: 'same-origin',
      // leaving the page: the save carries on after it has gone (small forms only)
      keepalive: leaving && text.length < 60000,
    });
    const json = response.headers.get('content-type')?.includes('application/json')
      ? await response.json()
      : null;
    if (response.redirected) {
      // signed out: the server has kept what was typed and gives it back after signing in
      stopped = true;
      say(
        'You have been signed out, so this could not be saved here. Select a save button: after you sign in again, what you typed is put back.',
      );
      return;
    }
    if (!json) {
      stopped = true;
      say(
        response.status === 403
          ? 'This audit can no longer be changed here (it may have been submitted or moved to someone else). Select a save button to see why.'
          : 'This could not be saved just now. Select a save button to save it.',
      );
      return;
    }
    if (response.status === 409) {
      stopped = true;
      say(json.message);
      return;
    }
    if (response.status === 503) {
      // the app is busy: what was typed stays here and is sent again when it says to try
      say(json.message);
      const wait = Number(response.headers.get('retry-after')) || 60;
      clearTimeout(timer);
      timer = setTimeout(save, wait * 1000);
      return;
    }
    if (!response.ok) {
      say(
        json.errors?.map((e) => e.message).join(' ') ??
          'This could not be saved just now. Select a save button to save it.',
      );
      return;
    }
    lastSent = text;
    if (revisionInput) revisionInput.value = String(json.revision);
    say(`Saved at ${json.savedAt}.`);
  } catch {
    say(
      'This could not be saved just now (no connection). Keep this page open and select a save button when you are back online.',
    );
  } finally {
    saving = false;
    if (again) {
      again = false;
      schedule();
    }
  }
}

function schedule() {
  if (stopped) return;
  const now = Date.now();
  if (!firstChange) firstChange = now;
  clearTimeout(timer);
  // save once typing pauses, and at least every LONGEST_MS while it goes on
  const wait = Math.min(QUIET_MS, Math.max(0, firstChange + LONGEST_MS - now));
  timer = setTimeout(save, wait);
}

if (form?.dataset.autosave) {
  lastSent = body().toString();
  form.addEventListener('input', schedule);
  form.addEventListener('change', schedule);
  // leaving the page: send what is waiting
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden' && timer) {
      clearTimeout(timer);
      save({ leaving: true });
    }
  });
  // leaving by a link, the address bar or closing the tab with changes not yet saved: the browser
  // asks whether to leave (a save button saves, so it is not asked then)
  window.addEventListener('beforeunload', (event) => {
    if (submitting || !unsaved()) return;
    if (timer) {
      clearTimeout(timer);
      save({ leaving: true });
    }
    event.preventDefault();
    event.returnValue = '';
  });
  // a button press saves through the form itself, once any save on its way has come back with
  // its revision (or the page would be told it conflicts with its own save)
  form.addEventListener('submit', (event) => {
    submitting = true;
    clearTimeout(timer);
    if (saving) {
      event.preventDefault();
      const submitter = event.submitter;
      const wait = setInterval(() => {
        if (saving) return;
        clearInterval(wait);
        stopped = true;
        form.requestSubmit(submitter);
      }, 50);
      return;
    }
    stopped = true;
  });
}
