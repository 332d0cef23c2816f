"""Look of the chat: a calm Gradio theme and a little CSS for citations and source cards.

Only system fonts: nothing is fetched from the internet.
"""

from __future__ import annotations

from typing import Any

SYSTEM_FONTS = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"]
MONO_FONTS = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"]


def theme() -> Any:
    import gradio as gr

    return gr.themes.Soft(
        primary_hue="indigo", secondary_hue="amber", neutral_hue="slate",
        font=SYSTEM_FONTS, font_mono=MONO_FONTS, radius_size="md",
    )


HEAD = '<meta name="referrer" content="same-origin"><script src="chat.js" defer></script>'

CSS = """
#topbar { padding: 2px 4px 0; }
.brand { font-size: 1.25rem; font-weight: 650; display: flex; align-items: center; gap: .55rem; }
.brand .logo { display: inline-grid; place-items: center; width: 1.8rem; height: 1.8rem; border-radius: .5rem;
  background: var(--color-accent); color: white; font-size: 1.05rem; }
.brand .tag { font-size: .85rem; font-weight: 400; color: var(--body-text-color-subdued); }
sup.cite { color: var(--color-accent); font-weight: 650; font-size: .72em; margin-left: 1px; cursor: pointer; }
sup.cite:hover, sup.cite:focus { text-decoration: underline; outline: none; }
.answer-sources { display: none !important; }
@keyframes src-flash { 0%, 60% { box-shadow: 0 0 0 3px var(--color-accent); background: #eef2ff; } 100% { box-shadow: none; } }
.src-card.flash { animation: src-flash 1.6s ease-out; }
#sources-title h3 { margin: 0 0 .25rem; }
#sources { max-height: 640px; overflow-y: auto; }
.src-empty { color: var(--body-text-color-subdued); font-size: .92rem; padding: .75rem;
  border: 1px dashed var(--border-color-primary); border-radius: .6rem; }
.src-card { border: 1px solid var(--border-color-primary); border-radius: .7rem; padding: .7rem .85rem;
  margin-bottom: .7rem; background: var(--background-fill-primary); box-shadow: 0 1px 2px rgba(15,23,42,.05); }
.src-card.related { border-style: dashed; }
.src-head { display: flex; gap: .5rem; align-items: baseline; }
.src-n { flex: none; display: inline-grid; place-items: center; min-width: 1.5rem; height: 1.5rem; border-radius: 999px;
  background: var(--color-accent-soft); color: var(--color-accent); font-weight: 700; font-size: .8rem; }
.src-title { font-weight: 600; line-height: 1.3; }
.src-meta { color: var(--body-text-color-subdued); font-size: .8rem; margin: .2rem 0 .45rem; }
.src-passage { font-size: .88rem; line-height: 1.5; color: var(--body-text-color); white-space: pre-wrap;
  max-height: 14rem; overflow-y: auto; }
.src-passage mark { background: #fde68a; color: #1f2937; padding: 0 .1em; border-radius: .2em; }
.src-open { display: inline-block; margin-top: .45rem; font-size: .82rem; color: var(--color-accent) !important; text-decoration: none; }
.src-open:hover { text-decoration: underline; }
.src-refused { background: #fff7ed; border: 1px solid #fdba74; color: #9a3412; border-radius: .7rem;
  padding: .65rem .8rem; margin-bottom: .7rem; font-size: .9rem; }
#ask-hint { min-height: 0; color: #b45309; font-size: .85rem; margin-top: -.4rem; }
#ask-hint p { margin: 0; }
footer { display: none !important; }
"""
