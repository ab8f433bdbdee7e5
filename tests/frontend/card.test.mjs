// The school-day card's logic: run with `node --test tests/frontend`.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  STRINGS,
  addDays,
  cancelledSubject,
  dayKey,
  dayLabel,
  dayToShow,
  defineWhenReady,
  direction,
  escapeHtml,
  findPupils,
  format,
  homeworkDueNext,
  lessonsOn,
  renderPupil,
  statusWords,
  strings,
  timeZoneOf,
  toLesson,
  unreadCount,
} from "../../custom_components/school_portal/frontend/school-day-card.js";

const TZ = "Asia/Jerusalem";
const PREFIX = "component.school_portal.selector.";
const RESOURCES = {
  [`${PREFIX}lesson_status.options.cancelled`]: "Cancelled",
  [`${PREFIX}lesson_status.options.changed`]: "Changed",
  [`${PREFIX}lesson_status.options.exam`]: "Exam",
  [`${PREFIX}lesson_status.options.event`]: "Event",
  [`${PREFIX}lesson_summary.options.cancelled`]: "Cancelled: {subject}",
  "component.school_portal.selector.other.options.x": "ignored",
};
const WORDS = statusWords(RESOURCES);

// Tuesday 1 December 2026 in Israel (UTC+2).
const at = (time, day = "2026-12-01") => new Date(`${day}T${time}:00+02:00`);

function event(subject, start, end, extra = {}) {
  return {
    summary: subject,
    start: { dateTime: start.toISOString() },
    end: { dateTime: end.toISOString() },
    ...extra,
  };
}

function lesson(subject, startTime, endTime, day, extra) {
  return toLesson(event(subject, at(startTime, day), at(endTime, day), extra), WORDS);
}

describe("language", () => {
  it("has every word in every language", () => {
    const keys = Object.keys(STRINGS.en).sort();
    for (const language of ["he", "fr", "de", "sv"]) {
      assert.deepEqual(Object.keys(STRINGS[language]).sort(), keys, language);
      for (const key of keys) {
        if (key === "name" || key === "loading") continue;
        assert.notEqual(STRINGS[language][key], STRINGS.en[key], `${language}.${key}`);
      }
    }
  });

  it("picks the base language and falls back to English", () => {
    assert.equal(strings("fr-CA"), STRINGS.fr);
    assert.equal(strings("de_AT"), STRINGS.de);
    assert.equal(strings("sv"), STRINGS.sv);
    assert.equal(strings("ja"), STRINGS.en);
    assert.equal(strings(undefined), STRINGS.en);
  });

  it("writes Hebrew right to left and the others left to right", () => {
    assert.equal(direction("he"), "rtl");
    assert.equal(direction("he-IL"), "rtl");
    for (const language of ["en", "fr", "de", "sv", "en-GB", undefined]) {
      assert.equal(direction(language), "ltr");
    }
  });

  it("fills placeholders and leaves unknown ones", () => {
    assert.equal(format("{count} unread {x}", { count: 3 }), "3 unread {x}");
  });
});

describe("pupils from the registries", () => {
  const entities = {
    "calendar.b_timetable": {
      entity_id: "calendar.b_timetable",
      platform: "school_portal",
      translation_key: "timetable",
      device_id: "dev-b",
    },
    "calendar.b_exams": {
      entity_id: "calendar.b_exams",
      platform: "school_portal",
      translation_key: "exams_holidays",
      device_id: "dev-b",
    },
    "todo.b_homework": {
      entity_id: "todo.b_homework",
      platform: "school_portal",
      translation_key: "homework",
      device_id: "dev-b",
    },
    // The event entity shares the to-do list's translation key.
    "event.b_homework": {
      entity_id: "event.b_homework",
      platform: "school_portal",
      translation_key: "homework",
      device_id: "dev-b",
    },
    "sensor.b_unread": {
      entity_id: "sensor.b_unread",
      platform: "school_portal",
      translation_key: "unread_messages",
      device_id: "dev-b",
    },
    "calendar.a_timetable": {
      entity_id: "calendar.a_timetable",
      platform: "school_portal",
      translation_key: "timetable",
      device_id: "dev-a",
    },
    // Named like ours but another integration's: never picked up.
    "calendar.timetable": {
      entity_id: "calendar.timetable",
      platform: "local_calendar",
      translation_key: "timetable",
      device_id: "dev-c",
    },
    "sensor.no_device": {
      entity_id: "sensor.no_device",
      platform: "school_portal",
      translation_key: "unread_messages",
    },
  };
  const devices = {
    "dev-a": { name: "Zoe" },
    "dev-b": { name: "Noa", name_by_user: "Avi" },
    "dev-c": { name: "Other" },
  };

  it("finds each pupil's entities by platform and translation key, sorted by name", () => {
    assert.deepEqual(findPupils(entities, devices), [
      {
        deviceId: "dev-b",
        name: "Avi",
        timetable: "calendar.b_timetable",
        homework: "todo.b_homework",
        unread: "sensor.b_unread",
      },
      { deviceId: "dev-a", name: "Zoe", timetable: "calendar.a_timetable" },
    ]);
  });

  it("passes over entities without a state", () => {
    const states = { "calendar.a_timetable": { state: "off" } };
    assert.deepEqual(findPupils(entities, devices, undefined, states), [
      { deviceId: "dev-a", name: "Zoe", timetable: "calendar.a_timetable" },
    ]);
  });

  it("keeps only the configured device", () => {
    assert.deepEqual(
      findPupils(entities, devices, "dev-a").map((p) => p.deviceId),
      ["dev-a"],
    );
  });

  it("finds nothing without registries", () => {
    assert.deepEqual(findPupils(undefined, undefined), []);
  });
});

describe("lessons from calendar events", () => {
  it("reads the status words the calendar used", () => {
    assert.deepEqual(WORDS, {
      cancelled: "Cancelled",
      changed: "Changed",
      exam: "Exam",
      event: "Event",
      cancelledSummary: "Cancelled: {subject}",
    });
    assert.deepEqual(statusWords(undefined), {});
  });

  it("marks a cancelled lesson from its title and description", () => {
    const got = lesson("Cancelled: Maths", "08:00", "08:45", undefined, {
      description: "Cancelled\n\nMs Levi",
      location: "Room 12",
    });
    assert.equal(got.status, "cancelled");
    assert.equal(got.subject, "Maths");
    assert.equal(got.location, "Room 12");
    assert.deepEqual(got.details, ["Ms Levi"]);
  });

  it("marks a changed lesson and keeps its note", () => {
    const got = lesson("English", "09:00", "09:45", undefined, {
      description: "Changed\n\nMr Cohen\n\nRoom moved to the library",
    });
    assert.equal(got.status, "changed");
    assert.equal(got.subject, "English");
    assert.deepEqual(got.details, ["Mr Cohen", "Room moved to the library"]);
  });

  it("leaves a normal lesson normal", () => {
    const got = lesson("History", "10:00", "10:45", undefined, { description: "Ms Katz" });
    assert.equal(got.status, "normal");
    assert.deepEqual(got.details, ["Ms Katz"]);
    assert.equal(lesson("Art", "11:00", "11:45").status, "normal");
  });

  it("believes an event status of cancelled", () => {
    assert.equal(lesson("Art", "11:00", "11:45", undefined, { status: "CANCELLED" }).status, "cancelled");
    assert.equal(lesson("Art", "11:00", "11:45", undefined, { status: "confirmed" }).status, "normal");
  });

  it("reads titles in other languages' templates", () => {
    assert.equal(cancelledSubject("בוטל: מתמטיקה", "בוטל: {subject}"), "מתמטיקה");
    assert.equal(cancelledSubject("Maths (annulé)", "{subject} (annulé)"), "Maths");
    assert.equal(cancelledSubject("Maths", "Cancelled: {subject}"), null);
    assert.equal(cancelledSubject("Maths", undefined), null);
    assert.equal(cancelledSubject("Maths", "no placeholder"), null);
  });

  it("reads whole-day events", () => {
    const got = toLesson({ summary: "Trip", start: { date: "2026-12-01" }, end: { date: "2026-12-02" } }, WORDS);
    assert.equal(got.start.getDate(), 1);
  });
});

describe("which day to show", () => {
  const lessons = [
    lesson("Maths", "08:00", "08:45"),
    lesson("English", "12:00", "12:45"),
    lesson("Science", "08:00", "08:45", "2026-12-02"),
  ];

  it("shows today while lessons are still to end", () => {
    assert.equal(dayToShow(lessons, at("07:00"), TZ), "2026-12-01");
    assert.equal(dayToShow(lessons, at("12:30"), TZ), "2026-12-01");
  });

  it("shows tomorrow once school is over", () => {
    assert.equal(dayToShow(lessons, at("13:00"), TZ), "2026-12-02");
  });

  it("skips days without lessons to the next school day", () => {
    const weekend = [lesson("Maths", "08:00", "08:45", "2026-12-06")];
    assert.equal(dayToShow(weekend, at("13:00", "2026-12-04"), TZ), "2026-12-06");
  });

  it("shows tomorrow when no lesson is ahead", () => {
    assert.equal(dayToShow([], at("13:00"), TZ), "2026-12-02");
    assert.equal(dayToShow(lessons.slice(0, 2), at("20:00"), TZ), "2026-12-02");
  });

  it("counts days in the given time zone", () => {
    // 23:30 in Israel is still the 1st in UTC... and already the 2nd in Tokyo.
    const late = at("23:30");
    assert.equal(dayKey(late, TZ), "2026-12-01");
    assert.equal(dayKey(late, "UTC"), "2026-12-01");
    assert.equal(dayKey(late, "Asia/Tokyo"), "2026-12-02");
    assert.equal(addDays("2026-12-31", 1), "2027-01-01");
    assert.equal(addDays("2027-03-01", -1), "2027-02-28");
  });

  it("orders a day's lessons by time, then subject", () => {
    const day = [
      lesson("Science", "10:00", "10:45"),
      lesson("Cancelled: Maths", "08:00", "08:45"),
      lesson("Art", "08:00", "08:45"),
      lesson("Music", "08:00", "08:45", "2026-12-02"),
    ];
    assert.deepEqual(
      lessonsOn(day, "2026-12-01", TZ).map((l) => `${l.subject}/${l.status}`),
      ["Art/normal", "Maths/cancelled", "Science/normal"],
    );
  });
});

describe("homework due next", () => {
  const items = [
    { uid: "1", summary: "Maths", status: "needs_action", due: "2026-12-03" },
    { uid: "2", summary: "English", status: "completed", due: "2026-12-02" },
    { uid: "3", summary: "Bible", status: "needs_action", due: "2026-12-02" },
    { uid: "4", summary: "Art", status: "needs_action", due: "2026-12-02" },
    { uid: "5", summary: "Old", status: "needs_action", due: "2026-11-20" },
    { uid: "6", summary: "Reading", status: "needs_action" },
    { uid: "7", summary: "Essay", status: "needs_action", due: "2026-12-02T21:00:00+00:00" },
  ];

  it("lists undone homework from today on, soonest first, undated last", () => {
    assert.deepEqual(
      homeworkDueNext(items, "2026-12-01", 10, TZ).map((i) => i.uid),
      ["4", "3", "7", "1", "6"],
    );
  });

  it("keeps to the limit", () => {
    assert.deepEqual(
      homeworkDueNext(items, "2026-12-01", 2, TZ).map((i) => i.uid),
      ["4", "3"],
    );
    assert.deepEqual(homeworkDueNext(undefined, "2026-12-01"), []);
  });

  it("labels due days", () => {
    const now = at("10:00");
    assert.equal(dayLabel("2026-12-01", now, "en", TZ, "short"), "Today");
    assert.equal(dayLabel("2026-12-02", now, "he", TZ, "short"), "מחר");
    assert.match(dayLabel("2026-12-04", now, "en", TZ, "short"), /Fri/);
    assert.equal(dayLabel(null, now, "en", TZ, "short"), "");
  });
});

describe("unread messages", () => {
  it("reads the sensor's state", () => {
    assert.equal(unreadCount({ state: "3" }), 3);
    assert.equal(unreadCount({ state: "0" }), 0);
    assert.equal(unreadCount({ state: "unavailable" }), null);
    assert.equal(unreadCount(undefined), null);
  });
});

describe("labels and rendering", () => {
  const now = at("13:00");

  it("names days in the user's language", () => {
    assert.equal(dayLabel("2026-12-01", now, "fr", TZ), "Aujourd'hui");
    assert.equal(dayLabel("2026-12-02", now, "de", TZ), "Morgen");
    assert.match(dayLabel("2026-12-04", now, "sv", TZ), /fredag/);
    assert.match(dayLabel("2026-12-04", now, "he", TZ), /שישי/);
  });

  it("uses the server's time zone only when the profile asks for it", () => {
    const config = { time_zone: TZ };
    assert.equal(timeZoneOf({ locale: { time_zone: "server" }, config }), TZ);
    assert.equal(timeZoneOf({ locale: { time_zone: "local" }, config }), undefined);
    assert.equal(timeZoneOf(undefined), undefined);
  });

  it("escapes what the school wrote", () => {
    assert.equal(escapeHtml(`<b a="1">&'`), "&lt;b a=&quot;1&quot;&gt;&amp;&#39;");
  });

  it("renders marks, homework and unread in Hebrew", () => {
    const hass = { language: "he", locale: { time_zone: "server" }, config: { time_zone: TZ } };
    const html = renderPupil(
      { deviceId: "d", name: "Noa <3", timetable: "calendar.t", homework: "todo.h" },
      {
        day: "2026-12-02",
        lessons: [
          lesson("Cancelled: Maths", "08:00", "08:45", "2026-12-02"),
          lesson("English", "09:00", "09:45", "2026-12-02", { description: "Changed\n\nMr Cohen" }),
        ],
        homework: homeworkDueNext(
          [{ uid: "1", summary: "Bible", status: "needs_action", due: "2026-12-02", description: "Page 4" }],
          "2026-12-01",
        ),
        unread: 2,
      },
      hass,
      now,
    );
    assert.match(html, /Noa &lt;3/);
    assert.match(html, /class="day">מחר</);
    assert.match(html, /<span class="time">08:00<\/span>/);
    assert.match(html, /class="mark cancelled">בוטל</);
    assert.match(html, /class="mark changed">שונה</);
    assert.match(html, /Mr Cohen/);
    assert.match(html, /Bible[\s\S]*מחר[\s\S]*Page 4/);
    assert.match(html, /2 שלא נקראו/);
  });

  it("says when there is nothing", () => {
    const html = renderPupil(
      { deviceId: "d", name: "Noa", timetable: "calendar.t", homework: "todo.h", unread: "sensor.u" },
      { day: "2026-12-02", lessons: [], homework: [], unread: 0 },
      { language: "en" },
      now,
    );
    assert.match(html, /No lessons/);
    assert.match(html, /Nothing due/);
    assert.match(html, /No unread messages/);
  });

  it("leaves out what the pupil's portal does not offer", () => {
    const html = renderPupil(
      { deviceId: "d", name: "Noa" },
      { day: "2026-12-02", lessons: [], homework: [], unread: null },
      { language: "en" },
      now,
    );
    assert.doesNotMatch(html, /class="(day|section|unread)/);
  });
});

describe("defining the element", () => {
  function registry(defined) {
    return { get: (name) => defined.has(name), defined };
  }

  it("waits for the frontend's registry, then defines once", () => {
    const names = new Set();
    const current = registry(names);
    const defined = [];
    const waits = [];
    const run = () =>
      defineWhenReady(
        () => current,
        (r) => {
          defined.push("card");
          r.defined.add("school-day-card");
        },
        (next) => waits.push(next),
      );
    run();
    assert.equal(defined.length, 0);
    assert.equal(waits.length, 1);
    names.add("home-assistant");
    waits.shift()();
    assert.deepEqual(defined, ["card"]);
    run();
    assert.deepEqual(defined, ["card"]);
  });

  it("defines anyway when the frontend never shows", () => {
    const defined = [];
    defineWhenReady(
      () => registry(new Set()),
      () => defined.push("card"),
      (next) => next(),
      3,
    );
    assert.deepEqual(defined, ["card"]);
  });
});
