// Markdown for the chat: raw HTML in the model's text is shown as text, never run.
import MarkdownIt from 'markdown-it';

export type MarkdownRenderer = (text: string) => string;

export function createMarkdownRenderer(): MarkdownRenderer {
  // html: false escapes tags; markdown-it's default link check already refuses
  // javascript:, vbscript: and data: (except images) URLs.
  const markdown = new MarkdownIt({ html: false, linkify: true, breaks: false });
  // Table cells carry their column's alignment as style="text-align:…", which the view's
  // Content-Security-Policy refuses; a class (styled in chat.css) keeps it.
  markdown.core.ruler.push('alignment_classes', (state) => {
    for (const token of state.tokens) {
      if (token.type !== 'th_open' && token.type !== 'td_open') {
        continue;
      }
      const alignment = /^text-align:(left|center|right)$/.exec(String(token.attrGet('style') ?? ''));
      token.attrs = token.attrs?.filter(([name]) => name !== 'style') ?? null;
      if (alignment !== null) {
        token.attrJoin('class', `align-${alignment[1]}`);
      }
    }
  });
  return (text) => markdown.render(text);
}
