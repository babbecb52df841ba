// Progressive enhancement of an import's progress page: the rows read so far are fetched every two
// seconds and written into the page's status region (read out by screen readers), and the page
// reloads once to show the result when the import has ended. Without this file the page reloads
// itself every two seconds instead.
const region = document.querySelector('[data-import-progress]');
const rows = region?.querySelector('[data-import-rows]');

async function check() {
  try {
    const response = await fetch(region.dataset.importProgress, {
      headers: { accept: 'application/json' },
      credentials: 'same-origin',
    });
    if (response.ok) {
      const progress = await response.json();
      if (progress.state !== 'queued' && progress.state !== 'running') {
        window.location.reload();
        return;
      }
      if (rows && rows.textContent !== progress.rowsReadText) rows.textContent = progress.rowsReadText;
    }
  } catch {
    // The next check tries again.
  }
  setTimeout(check, 2000);
}

if (region) setTimeout(check, 2000);
