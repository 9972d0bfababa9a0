// js_on_load of the chip bar above the input (a gr.HTML): `element` and `trigger` come
// from gradio. Buttons inside chat messages and chips carry what a click needs in `value`
// (the chatbot's sanitizer drops data-* attributes); a click anywhere on the page fires
// this component's click event with {action, value}, which ui.chat.act handles:
//   .rq-follow    a follow-up chip         -> ask its question
//   .rq-unfilter  "search without filters" -> clear the filters, ask the question again
//   .rq-chip-x    a filter chip's ×        -> clear that filter (value: its name)
//   .rq-clear-filters                      -> clear every filter
document.addEventListener('click', (e) => {
  const t = e.target instanceof Element ? e.target : null;
  const b = t && t.closest('.rq-follow, .rq-unfilter, .rq-chip-x, .rq-clear-filters');
  if (!b) return;
  e.preventDefault();
  const action = b.classList.contains('rq-follow') ? 'ask'
    : b.classList.contains('rq-unfilter') ? 'unfilter' : 'clear';
  trigger('click', {action, value: b.getAttribute('value') || ''});
});
