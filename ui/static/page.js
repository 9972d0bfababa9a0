() => {
  // Run by gradio when the chat page loads. ?embed=1 (the widget's iframe) hides the
  // header and footer. A ?token= has been traded for a cookie by now: drop it from the
  // address bar, and so from what a visitor might copy or bookmark.
  const q = new URLSearchParams(location.search);
  if (q.get('embed')) document.body.classList.add('rq-embed');
  if (q.has('token')) {
    q.delete('token');
    history.replaceState(null, '', location.pathname + (q.size ? '?' + q : '') + location.hash);
  }
}
