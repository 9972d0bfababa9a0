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

  // The chatbot's own autoscroll is off: it pins the view to the bottom, i.e. to the last
  // source card, and stops following once the agent has scrolled up. Instead, when a new
  // question's answer appears (while streaming, and again when it is final) its top is
  // scrolled to the top of the chat, so the direct answer is what the agent sees first.
  const scroller = (el) => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (/(auto|scroll)/.test(s.overflowY) && p.scrollHeight > p.clientHeight) return p;
    }
    return null;
  };
  const bringToTop = (el) => {
    const box = scroller(el);
    const target = el.closest('.message') || el;
    if (box) box.scrollTop += target.getBoundingClientRect().top - box.getBoundingClientRect().top - 8;
    const r = target.getBoundingClientRect();  // and the chat itself into the window
    if (r.top < 0 || r.top > innerHeight - 80) target.scrollIntoView({block: 'start'});
  };
  let asked = 0;     // questions in the chat when last looked
  let pending = 0;   // the question whose answer is still to be brought into view
  let lastFinal = null;
  const check = () => {
    const chat = document.querySelector('#rq-chatbot');
    if (!chat) return;
    const questions = chat.querySelectorAll('.rq-question').length;
    if (questions < asked) pending = 0;  // a new conversation
    if (questions > asked) pending = questions;
    asked = questions;
    if (!pending) return;
    const answers = chat.querySelectorAll('.rq-msg');
    const last = answers[answers.length - 1];
    if (!last || answers.length < pending) return;
    if (last.classList.contains('rq-final')) {
      if (last === lastFinal) return;
      lastFinal = last;
      pending = 0;
    }
    bringToTop(last);
  };
  let queued = false;
  new MutationObserver(() => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; check(); });
  }).observe(document.body, {childList: true, subtree: true});

  // A [n] marker opens its source card (the card of the letter that quote is from).
  document.addEventListener('click', (e) => {
    const t = e.target instanceof Element ? e.target : null;
    const ref = t && t.closest('.rq-ref');
    if (!ref) return;
    const n = (ref.textContent.match(/\d+/) || [''])[0];
    const card = ref.closest('.rq-msg') && ref.closest('.rq-msg').querySelector('.rq-k-' + n);
    if (card) { card.open = true; card.scrollIntoView({block: 'nearest'}); }
  });
}
