// Markdown for the chat: raw HTML in the model's text is shown as text, never run.
import MarkdownIt from 'markdown-it';

export type MarkdownRenderer = (text: string) => string;

export function createMarkdownRenderer(): MarkdownRenderer {
  // html: false escapes tags; markdown-it's default link check already refuses
  // javascript:, vbscript: and data: (except images) URLs.
  const markdown = new MarkdownIt({ html: false, linkify: true, breaks: false });
  return (text) => markdown.render(text);
}
