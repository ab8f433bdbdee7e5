// The school-day card: per pupil, the day's lessons (today's, or the next
// school day's once today's are over), changes marked, the homework due next
// and the unread messages. Plain JavaScript with no build: Home Assistant
// serves this file as it is. The logic is in exported pure functions so that
// `node --test tests/frontend` checks it without a browser.

export const DOMAIN = "school_portal";
export const CARD_TYPE = "school-day-card";

// The entities the card reads, by domain and translation key (calendar.py,
// todo.py, sensor.py): the event entities share some keys.
export const KEYS = {
  timetable: "calendar.timetable",
  homework: "todo.homework",
  unread: "sensor.unread_messages",
};

// How far ahead a day with lessons is looked for (a long weekend or a week
// off fits; a whole holiday need not).
export const DAYS_AHEAD = 7;
export const HOMEWORK_SHOWN = 4;
// Lessons are read again at least this often (they change during the day).
export const REFRESH_MS = 10 * 60 * 1000;

export const STRINGS = {
  en: {
    name: "School day",
    description: "Each pupil's lessons, homework due next and unread messages.",
    today: "Today",
    tomorrow: "Tomorrow",
    no_lessons: "No lessons",
    cancelled: "Cancelled",
    changed: "Changed",
    exam: "Exam",
    event: "Event",
    homework: "Homework due next",
    no_homework: "Nothing due",
    unread: "{count} unread",
    all_read: "No unread messages",
    no_pupils: "No School Portal pupil found.",
    loading: "Loading…",
    failed: "Could not read the school day.",
    pupil: "Pupil",
    all_pupils: "All pupils",
  },
  he: {
    name: "יום לימודים",
    description: "השיעורים של כל תלמיד, שיעורי הבית הקרובים והודעות שלא נקראו.",
    today: "היום",
    tomorrow: "מחר",
    no_lessons: "אין שיעורים",
    cancelled: "בוטל",
    changed: "שונה",
    exam: "מבחן",
    event: "אירוע",
    homework: "שיעורי בית קרובים",
    no_homework: "אין מה להגיש",
    unread: "{count} שלא נקראו",
    all_read: "אין הודעות שלא נקראו",
    no_pupils: "לא נמצא תלמיד של School Portal.",
    loading: "טוען…",
    failed: "לא ניתן לקרוא את יום הלימודים.",
    pupil: "תלמיד",
    all_pupils: "כל התלמידים",
  },
  fr: {
    name: "Journée d'école",
    description:
      "Les cours de chaque élève, les devoirs à rendre bientôt et les messages non lus.",
    today: "Aujourd'hui",
    tomorrow: "Demain",
    no_lessons: "Pas de cours",
    cancelled: "Annulé",
    changed: "Modifié",
    exam: "Contrôle",
    event: "Événement",
    homework: "Devoirs à rendre",
    no_homework: "Rien à rendre",
    unread: "{count} non lus",
    all_read: "Aucun message non lu",
    no_pupils: "Aucun élève School Portal trouvé.",
    loading: "Chargement…",
    failed: "Impossible de lire la journée d'école.",
    pupil: "Élève",
    all_pupils: "Tous les élèves",
  },
  de: {
    name: "Schultag",
    description:
      "Die Stunden jedes Kindes, die nächsten Hausaufgaben und ungelesene Nachrichten.",
    today: "Heute",
    tomorrow: "Morgen",
    no_lessons: "Kein Unterricht",
    cancelled: "Entfällt",
    changed: "Geändert",
    exam: "Prüfung",
    event: "Veranstaltung",
    homework: "Nächste Hausaufgaben",
    no_homework: "Nichts fällig",
    unread: "{count} ungelesen",
    all_read: "Keine ungelesenen Nachrichten",
    no_pupils: "Kein Kind in School Portal gefunden.",
    loading: "Wird geladen…",
    failed: "Der Schultag konnte nicht gelesen werden.",
    pupil: "Kind",
    all_pupils: "Alle Kinder",
  },
  sv: {
    name: "Skoldag",
    description: "Varje elevs lektioner, närmaste läxor och olästa meddelanden.",
    today: "I dag",
    tomorrow: "I morgon",
    no_lessons: "Inga lektioner",
    cancelled: "Inställd",
    changed: "Ändrad",
    exam: "Prov",
    event: "Händelse",
    homework: "Närmaste läxor",
    no_homework: "Inget att lämna in",
    unread: "{count} olästa",
    all_read: "Inga olästa meddelanden",
    no_pupils: "Ingen elev i School Portal hittades.",
    loading: "Laddar…",
    failed: "Kunde inte läsa skoldagen.",
    pupil: "Elev",
    all_pupils: "Alla elever",
  },
};

const RTL_LANGUAGES = new Set(["he", "ar", "fa", "ur", "yi"]);

function baseLanguage(language) {
  return String(language || "en")
    .toLowerCase()
    .split(/[-_]/)[0];
}

/** The card's words in a language ("fr-CA" gets French), English otherwise. */
export function strings(language) {
  return STRINGS[baseLanguage(language)] || STRINGS.en;
}

/** "rtl" for languages written right to left. */
export function direction(language) {
  return RTL_LANGUAGES.has(baseLanguage(language)) ? "rtl" : "ltr";
}

/** Fill "{name}" placeholders. */
export function format(text, values) {
  return text.replace(/\{(\w+)\}/g, (whole, key) =>
    key in values ? String(values[key]) : whole,
  );
}

/**
 * The pupils: School Portal devices with a timetable, homework or unread
 * sensor, found through the registries the frontend gives (platform and
 * translation key, never names). Sorted by the device's name. Given the
 * states, entities without one (not loaded, or left in the registry) are
 * passed over.
 */
export function findPupils(entities, devices, deviceId, states) {
  const byDevice = new Map();
  for (const entity of Object.values(entities || {})) {
    if (entity.platform !== DOMAIN || !entity.device_id) continue;
    if (deviceId && entity.device_id !== deviceId) continue;
    if (states && !states[entity.entity_id]) continue;
    const domain = entity.entity_id.split(".")[0];
    const role = Object.keys(KEYS).find(
      (key) => KEYS[key] === `${domain}.${entity.translation_key}`,
    );
    if (!role) continue;
    const device = (devices || {})[entity.device_id] || {};
    if (!byDevice.has(entity.device_id)) {
      byDevice.set(entity.device_id, {
        deviceId: entity.device_id,
        name: device.name_by_user || device.name || "",
      });
    }
    const pupil = byDevice.get(entity.device_id);
    // A disabled or second copy must not replace the first one found.
    if (!pupil[role]) pupil[role] = entity.entity_id;
  }
  return [...byDevice.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** The words the calendar used for statuses, from the selector translations. */
export function statusWords(resources) {
  const prefix = `component.${DOMAIN}.selector.`;
  const words = {};
  for (const status of ["cancelled", "changed", "exam", "event"]) {
    const word = (resources || {})[`${prefix}lesson_status.options.${status}`];
    if (word) words[status] = word;
  }
  const summary = (resources || {})[`${prefix}lesson_summary.options.cancelled`];
  if (summary) words.cancelledSummary = summary;
  return words;
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The subject inside a cancelled lesson's title ("Cancelled: Maths"), or null. */
export function cancelledSubject(summary, template) {
  if (!template || !template.includes("{subject}")) return null;
  const [before, after] = template.split("{subject}");
  const match = new RegExp(
    `^${escapeRegExp(before)}(.*)${escapeRegExp(after)}$`,
    "s",
  ).exec(summary || "");
  return match ? match[1] : null;
}

function eventTime(value) {
  if (!value) return null;
  if (typeof value === "string") return new Date(value);
  return new Date(value.dateTime || `${value.date}T00:00:00`);
}

/**
 * A calendar event as a lesson. The calendar writes the status word as the
 * description's first paragraph (then teachers, then the note), and puts the
 * cancelled word into the title; Home Assistant releases with event statuses
 * may also say "cancelled" there.
 */
export function toLesson(event, words) {
  const paragraphs = (event.description || "")
    .split(/\n\s*\n/)
    .map((line) => line.trim())
    .filter(Boolean);
  let status = "normal";
  const first = paragraphs[0];
  const named = Object.keys(words || {}).find(
    (key) => key !== "cancelledSummary" && words[key] === first,
  );
  if (named) {
    status = named;
    paragraphs.shift();
  }
  let subject = event.summary || "";
  const inTitle = cancelledSubject(subject, (words || {}).cancelledSummary);
  if (inTitle !== null) {
    subject = inTitle;
    status = "cancelled";
  }
  if (String(event.status || "").toLowerCase() === "cancelled") {
    status = "cancelled";
  }
  return {
    uid: event.uid || null,
    subject,
    start: eventTime(event.start),
    end: eventTime(event.end),
    location: event.location || "",
    status,
    details: paragraphs,
  };
}

/** The calendar day of a moment ("2026-12-01") in a time zone (the browser's if none). */
export function dayKey(date, timeZone) {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: timeZone || undefined,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).formatToParts(date);
  const part = (type) => parts.find((p) => p.type === type).value;
  return `${part("year")}-${part("month")}-${part("day")}`;
}

/** The day key some days after another. */
export function addDays(key, days) {
  const date = new Date(`${key}T12:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/**
 * The day to show: today while any of its lessons is still to end, else the
 * next day with lessons (within the lessons given), else tomorrow.
 */
export function dayToShow(lessons, now, timeZone) {
  const today = dayKey(now, timeZone);
  const later = lessons
    .filter((lesson) => lesson.end > now)
    .map((lesson) => dayKey(lesson.start, timeZone))
    .filter((key) => key >= today)
    .sort();
  return later.length ? later[0] : addDays(today, 1);
}

/** A day's lessons in the order of the day (then by subject). */
export function lessonsOn(lessons, key, timeZone) {
  return lessons
    .filter((lesson) => dayKey(lesson.start, timeZone) === key)
    .sort((a, b) => a.start - b.start || a.subject.localeCompare(b.subject));
}

/** The day a to-do item is due ("YYYY-MM-DD"), or null when it has no due date. */
export function dueDay(item, timeZone) {
  if (!item.due) return null;
  if (/^\d{4}-\d{2}-\d{2}$/.test(item.due)) return item.due;
  return dayKey(new Date(item.due), timeZone);
}

/**
 * Homework not done yet and due from a day on, soonest first; items without a
 * due date after the dated ones.
 */
export function homeworkDueNext(items, fromKey, limit = HOMEWORK_SHOWN, timeZone) {
  return (items || [])
    .filter((item) => item.status !== "completed")
    .map((item) => ({ ...item, dueDay: dueDay(item, timeZone) }))
    .filter((item) => item.dueDay === null || item.dueDay >= fromKey)
    .sort(
      (a, b) =>
        (a.dueDay === null) - (b.dueDay === null) ||
        (a.dueDay || "").localeCompare(b.dueDay || "") ||
        (a.summary || "").localeCompare(b.summary || ""),
    )
    .slice(0, limit);
}

/** The unread count from the sensor's state, or null when it has none. */
export function unreadCount(state) {
  if (!state) return null;
  const count = Number.parseInt(state.state, 10);
  return Number.isFinite(count) && count >= 0 ? count : null;
}

/**
 * "Today", "Tomorrow" or the day's name and date in the user's language:
 * long for the day shown, short for a due day.
 */
export function dayLabel(key, now, language, timeZone, length = "long") {
  if (!key) return "";
  const words = strings(language);
  const today = dayKey(now, timeZone);
  if (key === today) return words.today;
  if (key === addDays(today, 1)) return words.tomorrow;
  return new Intl.DateTimeFormat(language || "en", {
    weekday: length,
    day: "numeric",
    month: length,
    timeZone: "UTC",
  }).format(new Date(`${key}T12:00:00Z`));
}

/** A lesson's time of day ("08:00"). */
export function timeLabel(date, language, timeZone) {
  return new Intl.DateTimeFormat(language || "en", {
    hour: "2-digit",
    minute: "2-digit",
    timeZone: timeZone || undefined,
  }).format(date);
}

/**
 * The time zone the user sees times in: Home Assistant's when the profile
 * asks for the server's, the browser's otherwise.
 */
export function timeZoneOf(hass) {
  return hass?.locale?.time_zone === "server" ? hass.config?.time_zone : undefined;
}

export function escapeHtml(text) {
  return String(text ?? "").replace(
    /[&<>"']/g,
    (ch) =>
      ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch],
  );
}

/**
 * What the card shows of one pupil, from the calendar's events and the to-do
 * items (null where reading them failed).
 */
export function pupilView(events, todo, words, now, timeZone, config = {}) {
  const lessons = (events || []).map((event) => toLesson(event, words));
  const day = dayToShow(lessons, now, timeZone);
  return {
    day,
    lessons: lessonsOn(lessons, day, timeZone),
    homework: homeworkDueNext(
      todo?.items,
      dayKey(now, timeZone),
      config.homework_count || HOMEWORK_SHOWN,
      timeZone,
    ),
    failed: events === null || todo === null,
  };
}

/** The card's HTML for one pupil's day (pure, so that it is tested too). */
export function renderPupil(pupil, view, hass, now) {
  const language = hass.language;
  const words = strings(language);
  const timeZone = timeZoneOf(hass);
  const rows = view.lessons.length
    ? view.lessons
        .map((lesson) => {
          const mark =
            lesson.status === "normal"
              ? ""
              : `<span class="mark ${lesson.status}">${escapeHtml(words[lesson.status] || lesson.status)}</span>`;
          // <bdi>: a Latin name in a Hebrew card keeps its own order.
          const details = [lesson.location, ...lesson.details]
            .filter(Boolean)
            .map((text) => `<bdi>${escapeHtml(text)}</bdi>`)
            .join(" · ");
          return `<li class="lesson ${lesson.status}">
            <span class="time">${escapeHtml(timeLabel(lesson.start, language, timeZone))}</span>
            <span class="what"><bdi class="subject">${escapeHtml(lesson.subject)}</bdi>${mark}
              ${details ? `<span class="details">${details}</span>` : ""}</span>
          </li>`;
        })
        .join("")
    : `<li class="empty">${escapeHtml(words.no_lessons)}</li>`;
  const homework = view.homework.length
    ? view.homework
        .map(
          (item) => `<li class="homework">
            <bdi class="subject">${escapeHtml(item.summary)}</bdi>
            <span class="due">${escapeHtml(dayLabel(item.dueDay, now, language, timeZone, "short"))}</span>
            ${item.description ? `<bdi class="details">${escapeHtml(item.description)}</bdi>` : ""}
          </li>`,
        )
        .join("")
    : `<li class="empty">${escapeHtml(words.no_homework)}</li>`;
  const unread =
    view.unread === null
      ? ""
      : `<span class="unread ${view.unread ? "some" : "none"}">${escapeHtml(
          view.unread ? format(words.unread, { count: view.unread }) : words.all_read,
        )}</span>`;
  return `<section class="pupil">
    <div class="head"><bdi class="name">${escapeHtml(pupil.name)}</bdi>${unread}</div>
    ${view.failed ? `<div class="note">${escapeHtml(words.failed)}</div>` : ""}
    ${
      pupil.timetable
        ? `<div class="day">${escapeHtml(dayLabel(view.day, now, language, timeZone))}</div>
    <ul class="lessons">${rows}</ul>`
        : ""
    }
    ${
      pupil.homework
        ? `<div class="section">${escapeHtml(words.homework)}</div>
    <ul class="homeworks">${homework}</ul>`
        : ""
    }
  </section>`;
}

export const STYLE = `
  ha-card { padding: 12px 16px 16px; }
  .title { font-size: 1.3em; font-weight: 500; margin-bottom: 4px; }
  .pupil + .pupil { border-top: 1px solid var(--divider-color); margin-top: 12px; padding-top: 8px; }
  .head { display: flex; align-items: baseline; justify-content: space-between; gap: 8px; }
  .name { font-size: 1.15em; font-weight: 500; }
  .unread { font-size: 0.9em; color: var(--secondary-text-color); }
  .unread.some { color: var(--primary-color); font-weight: 500; }
  .day, .section { margin-top: 8px; color: var(--secondary-text-color); font-weight: 500; }
  ul { list-style: none; margin: 4px 0 0; padding: 0; }
  li { display: flex; gap: 12px; padding: 3px 0; align-items: baseline; }
  .time { font-variant-numeric: tabular-nums; min-width: 3.2em; color: var(--secondary-text-color); }
  .what { display: flex; flex-wrap: wrap; gap: 0 8px; align-items: baseline; }
  .details { flex-basis: 100%; font-size: 0.85em; color: var(--secondary-text-color); }
  .homework { flex-wrap: wrap; justify-content: space-between; gap: 0 8px; }
  .homework .due { color: var(--secondary-text-color); font-size: 0.9em; }
  .lesson.cancelled .subject { text-decoration: line-through; color: var(--secondary-text-color); }
  .mark { font-size: 0.75em; padding: 0 6px; border-radius: 8px; color: #fff; background: var(--info-color, #039be5); }
  .mark.cancelled { background: var(--error-color, #db4437); }
  .mark.changed { background: var(--warning-color, #ffa600); }
  .empty, .note { color: var(--secondary-text-color); }
`;

/** Home Assistant's calendar API wants ISO moments. */
function range(now) {
  const start = new Date(now.getTime() - 24 * 3600 * 1000);
  const end = new Date(now.getTime() + (DAYS_AHEAD + 1) * 24 * 3600 * 1000);
  return `start=${encodeURIComponent(start.toISOString())}&end=${encodeURIComponent(end.toISOString())}`;
}

// The element exists only in a browser; the functions above are what Node tests.
const Base = globalThis.HTMLElement || class {};

export class SchoolDayCard extends Base {
  static getStubConfig() {
    return {};
  }

  // Home Assistant draws the editor from this schema (releases without it
  // offer the YAML editor).
  static getConfigForm() {
    return {
      schema: [
        { name: "device_id", selector: { device: { integration: DOMAIN } } },
        { name: "title", selector: { text: {} } },
        {
          name: "homework_count",
          selector: { number: { min: 1, max: 20, mode: "box" } },
        },
      ],
    };
  }

  setConfig(config) {
    this._config = { ...(config || {}) };
    this._signature = null;
    if (this._hass) this._refresh();
  }

  getCardSize() {
    return 3 + 4 * Math.max(1, (this._pupils || []).length);
  }

  set hass(hass) {
    this._hass = hass;
    this._refresh();
  }

  get hass() {
    return this._hass;
  }

  _pupilsOf(hass) {
    return findPupils(
      hass.entities,
      hass.devices,
      this._config?.device_id,
      hass.states,
    );
  }

  // Read again when an entity of ours changed, the language changed, or the
  // data is older than REFRESH_MS; every other hass update only re-renders.
  _refresh() {
    const hass = this._hass;
    if (!hass || !this._config) return;
    this._pupils = this._pupilsOf(hass);
    const changed = this._pupils
      .flatMap((p) => [p.timetable, p.homework])
      .filter(Boolean)
      .map((id) => hass.states[id]?.last_updated || "")
      .join("|");
    const signature = [
      changed,
      hass.config?.language,
      Math.floor(Date.now() / REFRESH_MS),
      this._pupils.map((p) => p.deviceId).join(","),
    ].join(";");
    if (signature !== this._signature) {
      this._signature = signature;
      this._load().catch(() => {
        this._failed = true;
        this._render();
      });
    }
    this._render();
  }

  async _words() {
    const language = this._hass.config?.language || "en";
    if (this._wordsFor !== language) {
      // The calendar writes statuses in the server's language, not the user's.
      const answer = await this._hass.callWS({
        type: "frontend/get_translations",
        language,
        category: "selector",
        integration: [DOMAIN],
      });
      this._statusWords = statusWords(answer.resources);
      this._wordsFor = language;
    }
    return this._statusWords;
  }

  async _load() {
    const hass = this._hass;
    const now = new Date();
    const timeZone = timeZoneOf(hass);
    const words = await this._words();
    const views = {};
    await Promise.all(
      this._pupils.map(async (pupil) => {
        // One list failing (a portal down) leaves the rest of the card.
        const [events, todo] = await Promise.all([
          pupil.timetable
            ? hass
                .callApi("GET", `calendars/${pupil.timetable}?${range(now)}`)
                .catch(() => null)
            : [],
          pupil.homework
            ? hass
                .callWS({ type: "todo/item/list", entity_id: pupil.homework })
                .catch(() => null)
            : { items: [] },
        ]);
        views[pupil.deviceId] = pupilView(events, todo, words, now, timeZone, this._config);
      }),
    );
    this._views = views;
    this._failed = false;
    this._render();
  }

  _render() {
    const hass = this._hass;
    if (!hass) return;
    if (!this.shadowRoot) this.attachShadow({ mode: "open" });
    const words = strings(hass.language);
    const now = new Date();
    let body;
    if (!this._pupils.length) {
      body = `<div class="note">${escapeHtml(words.no_pupils)}</div>`;
    } else if (this._failed) {
      body = `<div class="note">${escapeHtml(words.failed)}</div>`;
    } else if (!this._views) {
      body = `<div class="note">${escapeHtml(words.loading)}</div>`;
    } else {
      body = this._pupils
        .filter((pupil) => this._views[pupil.deviceId])
        .map((pupil) =>
          renderPupil(
            pupil,
            {
              ...this._views[pupil.deviceId],
              unread: unreadCount(pupil.unread && hass.states[pupil.unread]),
            },
            hass,
            now,
          ),
        )
        .join("");
    }
    const title = this._config.title
      ? `<div class="title">${escapeHtml(this._config.title)}</div>`
      : "";
    const html = `<style>${STYLE}</style><ha-card dir="${direction(hass.language)}"
      lang="${escapeHtml(hass.language || "en")}">${title}${body}</ha-card>`;
    // Unchanged HTML is not written again: hass updates come many times a minute.
    if (html !== this._html) {
      this._html = html;
      this.shadowRoot.innerHTML = html;
    }
  }
}

/**
 * Define the card once the frontend's own elements are defined. The frontend
 * installs its own custom element registry while it loads (this module loads
 * alongside); an element defined in the browser's registry before then is
 * unknown to it, and dashboards would say the card does not exist.
 */
export function defineWhenReady(registry, define, wait, tries = 600) {
  if (registry().get(CARD_TYPE)) return;
  if (registry().get("home-assistant") || tries <= 0) {
    define(registry());
    return;
  }
  wait(() => defineWhenReady(registry, define, wait, tries - 1));
}

if (globalThis.customElements) {
  defineWhenReady(
    () => globalThis.customElements,
    (registry) => registry.define(CARD_TYPE, SchoolDayCard),
    (next) => setTimeout(next, 50),
  );
  const words = strings(globalThis.navigator?.language);
  globalThis.customCards = globalThis.customCards || [];
  if (!globalThis.customCards.some((card) => card.type === CARD_TYPE)) {
    globalThis.customCards.push({
      type: CARD_TYPE,
      name: words.name,
      description: words.description,
      preview: true,
      documentationURL:
        "https://github.com/school-portal/ha-school-portal#the-school-day-card",
    });
  }
}
