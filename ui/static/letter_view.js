// js_on_load of the chat's letter view (a gr.HTML): `element`, `props`, `trigger` and
// `watch` come from gradio. Citation cards live inside chat messages, whose sanitizer
// drops data-* attributes, so each "查看全文" button carries `letter_id:start:end` in its
// `value`; a click anywhere on the page fires this component's click event with it.
document.addEventListener('click', (e) => {
  const t = e.target instanceof Element ? e.target : null;
  const view = t && t.closest('.rq-view');
  if (view) { e.preventDefault(); trigger('click', {cite: view.getAttribute('value') || ''}); }
  if (t && t.closest('.rq-close') && element.contains(t)) { props.value = ''; }
});
// Once the view re-renders with a letter, bring the cited span (or the letter) into view.
watch('value', () => {
  const mark = element.querySelector('#rq-cited') || element.querySelector('.rq-letter');
  if (mark) requestAnimationFrame(() => mark.scrollIntoView({block: 'center'}));
});
