"""Generating the year: people, timetables, lessons and what happens in them."""

from __future__ import annotations

import bisect
import itertools
import random
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from . import records
from .content import (
    DAY_LENGTHS,
    DISCIPLINE,
    EXAM,
    FIRST_NAMES,
    HOLIDAYS,
    HOMEWORK,
    LAST_NAMES,
    MESSAGES,
    NOTIFICATIONS,
    PARENT_PASSWORD,
    PRINCIPAL,
    PUPIL_PASSWORD,
    SECRETARY,
    SUBJECTS,
    TEACHERS,
    TOPIC,
    fmt,
)
from .records import LANGUAGES, monday_of, names

if TYPE_CHECKING:
    from . import Dataset

CANCEL_RATE = 0.05
SUBSTITUTION_RATE = 0.05
HOMEWORK_RATE = 0.3


class YearBuilder:
    """Fills a dataset's stores; the same (today, seed) always gives the same year."""

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self._rng = random.Random(f"{dataset.seed}")

    def build(self) -> None:
        """Fill the dataset's year."""
        self._build_people()
        self._build_holidays()
        self._build_timetables()
        self._build_lessons()
        self._build_homework()
        self._build_exams_and_grades()
        self._build_discipline()
        for login in self.dataset.logins.values():
            self._build_messages(login)
            self._build_notifications(login)

    def _build_people(self) -> None:
        rng = self._rng
        for index, (first, last, first_he, last_he, subjects) in enumerate(TEACHERS, 1):
            teacher = records.Person(
                f"t{index:02d}", subjects, **names(first, last, first_he, last_he)
            )
            self.dataset.teachers[teacher.id] = teacher
        teacher_ids = list(self.dataset.teachers)
        for grade, number in itertools.product((7, 8, 9), (1, 2)):
            class_id = f"c{grade}{number}"
            homeroom = teacher_ids[(grade * 2 + number) % len(teacher_ids)]
            self.dataset.classes[class_id] = records.SchoolClass(
                class_id, grade, number, f"{grade}{number:02d}", homeroom
            )
        for class_index, class_id in enumerate(self.dataset.classes):
            for subject in SUBJECTS:
                candidates = [
                    t.id
                    for t in self.dataset.teachers.values()
                    if subject.key in t.subjects
                ]
                self.dataset._teaching[class_id, subject.key] = candidates[
                    class_index % len(candidates)
                ]
        # The three pupils the sandbox logins see come first, in fixed classes.
        fixed = (
            ("Dana", "Cohen", "דנה", "כהן", "c81"),
            ("Noa", "Levi", "נועה", "לוי", "c92"),
            ("Ari", "Levi", "ארי", "לוי", "c71"),
        )
        number = 1000
        for first, last, first_he, last_he, class_id in fixed:
            number += 1
            self._add_pupil(number, first, last, first_he, last_he, class_id)
        for class_id, school_class in self.dataset.classes.items():
            while (
                sum(p.class_id == class_id for p in self.dataset.pupils.values()) < 10
            ):
                first, first_he = rng.choice(FIRST_NAMES)
                last, last_he = rng.choice(LAST_NAMES)
                number += 1
                self._add_pupil(
                    number, first, last, first_he, last_he, class_id, school_class.grade
                )
        self.dataset.logins["dana.cohen"] = records.Login(
            "dana.cohen", PUPIL_PASSWORD, "student", ("p1001",),
            "Dana", "Cohen", "דנה", "כהן",
        )  # fmt: skip
        self.dataset.logins["levi.parent"] = records.Login(
            "levi.parent", PARENT_PASSWORD, "parent", ("p1002", "p1003"),
            "Miriam", "Levi", "מרים", "לוי",
        )  # fmt: skip

    def _add_pupil(
        self,
        number: int,
        first: str,
        last: str,
        first_he: str,
        last_he: str,
        class_id: str,
        grade: int | None = None,
    ) -> None:
        grade = grade or self.dataset.classes[class_id].grade
        born = date(self.dataset.year_start.year - grade - 6, 1, 1) + timedelta(
            days=self._rng.randrange(365)
        )
        pupil = records.Pupil(
            f"p{number}",
            number,
            class_id,
            born,
            **names(first, last, first_he, last_he),
        )
        self.dataset.pupils[pupil.id] = pupil

    def _build_holidays(self) -> None:
        year = self.dataset.year_start.year
        spans = (
            (monday_of(date(year, 10, 27)), 4),
            (date(year, 12, 22), 11),
            (monday_of(date(year + 1, 2, 16)), 4),
            (monday_of(date(year + 1, 4, 8)), 11),
        )
        for (key, holiday_names), (start, length) in zip(HOLIDAYS, spans, strict=True):
            self.dataset.holidays.append(
                records.HolidayRecord(
                    f"h-{key}-{year}",
                    holiday_names,
                    start,
                    start + timedelta(days=length),
                )
            )

    def _build_timetables(self) -> None:
        rng = self._rng
        for class_index, class_id in enumerate(self.dataset.classes):
            shift = class_index % len(DAY_LENGTHS)
            lengths = DAY_LENGTHS[shift:] + DAY_LENGTHS[:shift]
            pool = [s.key for s in SUBJECTS for _ in range(s.weekly_hours)]
            rng.shuffle(pool)
            slots: list[records.TimetableSlot] = []
            for weekday, length in enumerate(lengths):
                for hour in range(1, length + 1):
                    subject = pool.pop()
                    slots.append(
                        records.TimetableSlot(
                            class_id,
                            weekday,
                            hour,
                            subject,
                            self.dataset._teaching[class_id, subject],
                            self.dataset.subjects[subject].room
                            or self.dataset.classes[class_id].room,
                        )
                    )
            self.dataset.timetables[class_id] = slots

    def _build_lessons(self) -> None:
        rng = self._rng
        teacher_ids = list(self.dataset.teachers)
        for class_id, slots in self.dataset.timetables.items():
            by_day: dict[date, list[records.Lesson]] = {}
            by_weekday: dict[int, list[records.TimetableSlot]] = {}
            for slot in slots:
                by_weekday.setdefault(slot.weekday, []).append(slot)
            for day in self.dataset.school_days():
                lessons = []
                for slot in by_weekday.get(day.weekday(), ()):
                    roll = rng.random()
                    substitute = None
                    if CANCEL_RATE <= roll < CANCEL_RATE + SUBSTITUTION_RATE:
                        substitute = rng.choice(
                            [t for t in teacher_ids if t != slot.teacher_id]
                        )
                    # A new unit every three weeks keeps topics plausible.
                    unit = 1 + (day - self.dataset.year_start).days // 21
                    lessons.append(
                        records.Lesson(
                            f"{class_id}-{day.isoformat()}-{slot.hour}",
                            class_id,
                            day,
                            slot.hour,
                            slot.subject,
                            slot.teacher_id,
                            slot.room,
                            cancelled=roll < CANCEL_RATE,
                            substitute_id=substitute,
                            topic=fmt(TOPIC, u=unit),
                        )
                    )
                by_day[day] = lessons
            self.dataset._lessons[class_id] = by_day

    def _build_homework(self) -> None:
        rng = self._rng
        for class_id, by_day in self.dataset._lessons.items():
            days_of: dict[str, list[date]] = {}
            for day, lessons in by_day.items():
                for lesson in lessons:
                    if days_of.setdefault(lesson.subject, [day])[-1] != day:
                        days_of[lesson.subject].append(day)
            for day, lessons in by_day.items():
                if day > self.dataset.today:
                    break  # teachers have not set future homework yet
                for lesson in lessons:
                    if lesson.cancelled or rng.random() >= HOMEWORK_RATE:
                        continue
                    days = days_of[lesson.subject]
                    position = bisect.bisect_right(days, day)
                    if position == len(days):
                        continue
                    pattern = rng.choice(HOMEWORK)
                    first = rng.randrange(1, 20)
                    self.dataset._homework.append(
                        records.HomeworkItem(
                            f"hw-{lesson.uid}",
                            class_id,
                            lesson.subject,
                            lesson.teacher_id,
                            day,
                            days[position],
                            fmt(
                                pattern,
                                a=first,
                                b=first + rng.randrange(2, 6),
                                p=rng.randrange(10, 200),
                                c=rng.randrange(1, 12),
                            ),
                            lesson_uid=lesson.uid,
                        )
                    )

    def _build_exams_and_grades(self) -> None:
        rng = self._rng
        major = ("math", "language", "english", "science", "history")
        for class_id, by_day in self.dataset._lessons.items():
            last_exam: dict[str, date] = {}
            for day, lessons in by_day.items():
                for lesson in lessons:
                    if lesson.subject not in major or lesson.cancelled:
                        continue
                    since = last_exam.get(lesson.subject, self.dataset.year_start)
                    if (day - since).days < 28 or rng.random() > 0.5:
                        continue
                    last_exam[lesson.subject] = day
                    unit = 1 + (day - self.dataset.year_start).days // 21
                    self.dataset.exams.append(
                        records.Exam(
                            f"ex-{lesson.uid}",
                            class_id,
                            lesson.subject,
                            day,
                            lesson.hour,
                            fmt(EXAM, u=unit),
                        )
                    )
        for exam in self.dataset.exams:
            if exam.day >= self.dataset.today:
                continue
            for pupil in self.dataset.pupils_in(exam.class_id):
                self.dataset._grades.setdefault(pupil.id, []).append(
                    records.GradeRecord(
                        f"gr-{exam.uid}-{pupil.id}",
                        pupil.id,
                        exam.subject,
                        self.dataset._teaching[exam.class_id, exam.subject],
                        exam.day,
                        min(100, 55 + rng.randrange(46) + rng.randrange(10)),
                        exam.description,
                    )
                )

    def _build_discipline(self) -> None:
        rng = self._rng
        past_days = [d for d in self.dataset.school_days() if d <= self.dataset.today]
        weights = (4, 3, 4, 2, 2, 3, 1)
        for pupil in self.dataset.pupils.values():
            rows: list[records.DisciplineRecord] = []
            count = max(3, len(past_days) // 10)
            for day in sorted(rng.sample(past_days, min(count, len(past_days)))):
                lessons = self.dataset._lessons[pupil.class_id][day]
                if not lessons:
                    continue
                lesson = rng.choice(lessons)
                kind, label, description = rng.choices(DISCIPLINE, weights)[0]
                rows.append(
                    records.DisciplineRecord(
                        f"de-{pupil.id}-{day.isoformat()}-{lesson.hour}",
                        pupil.id,
                        kind,
                        day,
                        lesson.hour,
                        lesson.subject,
                        lesson.substitute_id or lesson.teacher_id,
                        label,
                        description,
                        justified=rng.random() < 0.6 if kind == "absence" else None,
                    )
                )
            self.dataset._discipline[pupil.id] = rows

    def _build_messages(self, login: records.Login) -> None:
        rng = self._rng
        pupils = [self.dataset.pupils[p] for p in login.pupil_ids]
        rows: list[records.MessageRecord] = []
        for index in range(120):
            age = index * 3 // 2  # days ago; index 0 is the newest
            sent = datetime.combine(
                self.dataset.today - timedelta(days=age),
                time(7 + rng.randrange(13), rng.randrange(60)),
            )
            if age == 0:
                sent = datetime.combine(self.dataset.today, time(7, 30))
            pupil = pupils[index % len(pupils)]
            kind, subject_text, body_text = rng.choice(MESSAGES)
            subject = self.dataset.subjects[rng.choice(SUBJECTS).key]
            sender = (
                self.dataset.teachers[
                    self.dataset._teaching[pupil.class_id, subject.key]
                ]
                if kind == 1
                else self.dataset.teachers[
                    self.dataset.classes[pupil.class_id].homeroom_teacher
                ]
                if kind == 2
                else rng.choice((PRINCIPAL, SECRETARY))
            )
            mentioned = sent.date() + timedelta(days=rng.randrange(3, 14))
            values = {
                lang: {
                    "subject": subject.name(lang),
                    "day": mentioned.strftime("%d/%m"),
                }
                for lang in LANGUAGES
            }
            rows.append(
                records.MessageRecord(
                    next(self.dataset._ids),
                    login.username,
                    {
                        lang: subject_text[lang].format(**values[lang])
                        for lang in LANGUAGES
                    },
                    {
                        lang: body_text[lang].format(**values[lang])
                        for lang in LANGUAGES
                    },
                    sender,
                    sent,
                    # Older messages are read; the newest few always unread.
                    read=age > 14 or (index >= 3 and rng.random() < 0.5),
                    has_attachments=rng.random() < 0.15,
                    kind=kind,
                )
            )
        rows.sort(key=lambda m: (m.sent, m.id), reverse=True)
        self.dataset._messages[login.username] = rows

    def _build_notifications(self, login: records.Login) -> None:
        rng = self._rng
        rows: list[records.NotificationRecord] = []
        for index in range(15):
            pupil = self.dataset.pupils[login.pupil_ids[index % len(login.pupil_ids)]]
            when = datetime.combine(
                self.dataset.today - timedelta(days=index * 2 + 1),
                time(15 + rng.randrange(5), rng.randrange(60)),
            )
            subject = rng.choice(SUBJECTS)
            pattern = NOTIFICATIONS[index % len(NOTIFICATIONS)]
            rows.append(
                records.NotificationRecord(
                    f"nt-{login.username}-{index}",
                    login.username,
                    pupil.id,
                    when,
                    {
                        lang: pattern[lang].format(
                            subject=subject.name(lang), day=when.strftime("%d/%m")
                        )
                        for lang in LANGUAGES
                    },
                    read=index >= 5,
                )
            )
        self.dataset._notifications[login.username] = rows
