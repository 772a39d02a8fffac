// Settings' Theme: system (follow the device), light or dark, as a radio group; a choice is
// applied at once and kept in this browser (theme.js).

import { h } from './dom.js';
import { strings } from './strings.js';
import { THEME_CHOICES, currentChoice, chooseTheme } from './theme.js';

const t = strings.fit;

/** The Theme section of Settings. */
export function themeSection() {
  const status = h('p', { class: 'status', role: 'status' });
  const now = currentChoice();
  const options = THEME_CHOICES.map((choice) => {
    const id = `theme-${choice}`;
    const radio = h('input', { type: 'radio', name: 'theme', id, value: choice, checked: choice === now,
      onchange: () => {
        status.textContent = chooseTheme(choice) ? '' : t.themeNotKept;
      } });
    return h('div', { class: 'field check' }, [radio, h('label', { for: id }, [t.themes[choice]])]);
  });
  return h('form', { class: 'settings-form theme-form', 'aria-labelledby': 'theme-title',
    onsubmit: (e) => e.preventDefault() }, [
    h('h3', { id: 'theme-title' }, [t.theme]),
    h('fieldset', { class: 'theme-choices' }, [h('legend', { class: 'visually-hidden' }, [t.theme]), ...options]),
    status,
  ]);
}
