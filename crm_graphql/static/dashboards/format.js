/*
 * Numbers, money, labels and local days for the dashboards (`CRM.format`).
 *
 * Money comes from the API as decimal strings ("1234.50") next to its currency;
 * it is turned into a number only to be drawn or shown here.
 */
(function () {
  "use strict";

  var counts = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
  var percents = new Intl.NumberFormat(undefined, { style: "percent", maximumFractionDigits: 1 });
  var decimals = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
  var scores = new Intl.NumberFormat(undefined, { minimumFractionDigits: 1, maximumFractionDigits: 2 });

  function money(value, currency, exact) {
    try {
      return new Intl.NumberFormat(undefined, {
        style: "currency",
        currency: currency,
        maximumFractionDigits: exact ? 2 : 0,
        minimumFractionDigits: exact ? 2 : 0
      }).format(value);
    } catch (error) {
      return counts.format(value) + " " + currency;
    }
  }

  /* Business minutes as minutes below an hour and a half, as hours above. */
  function minutes(raw) {
    return raw < 90 ? counts.format(raw) + " min" : decimals.format(raw / 60) + " h";
  }

  /* A value as text: `kind` is money, count, percent (a ratio), share (percent points),
   * score (of 5), minutes, days or text. */
  function value(raw, kind, currency, exact) {
    if (raw === null || raw === undefined) {
      return "–";
    }
    switch (kind) {
      case "money": return money(Number(raw), currency || "", exact);
      case "count": return counts.format(Number(raw));
      case "percent": return percents.format(Number(raw));
      case "share": return percents.format(Number(raw) / 100);
      case "score": return scores.format(Number(raw)) + " / 5";
      case "minutes": return minutes(Number(raw));
      case "days": return decimals.format(Number(raw)) + " days";
      default: return String(raw);
    }
  }

  /* Formats whose values are numbers (drawn, aligned right in tables). */
  var NUMERIC = ["money", "count", "percent", "share", "score", "minutes", "days"];

  function isNumeric(kind) {
    return NUMERIC.indexOf(kind) >= 0;
  }

  /* CLOSED_WON -> "Closed won": enum values as words. */
  function words(raw) {
    if (raw === null || raw === undefined) {
      return "–";
    }
    var text = String(raw).toLowerCase().replace(/_/g, " ");
    return text.charAt(0).toUpperCase() + text.slice(1);
  }

  /* The local day of an ISO date-time with its offset ("2026-03-30T00:00:00+02:00"):
   * the server already put it in the time zone asked for. */
  function day(raw) {
    return raw ? String(raw).slice(0, 10) : "–";
  }

  function isTimeZone(name) {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: name });
      return !!name;
    } catch (error) {
      return false;
    }
  }

  /* Minutes a time zone is ahead of UTC at an instant. */
  function offsetMinutes(instant, timeZone) {
    var parts = new Intl.DateTimeFormat("en-US", {
      timeZone: timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit"
    }).formatToParts(new Date(instant));
    var part = function (type) {
      return Number(parts.filter(function (p) { return p.type === type; })[0].value);
    };
    var wall = Date.UTC(part("year"), part("month") - 1, part("day"), part("hour"),
      part("minute"), part("second"));
    return Math.round((wall - instant) / 60000);
  }

  function pad(number) {
    return (number < 10 ? "0" : "") + number;
  }

  /* The start of a local day ("2026-01-01") in a time zone, as an ISO date-time with
   * the zone's offset then: "2026-01-01T00:00:00+01:00". */
  function startOfDay(isoDate, timeZone) {
    var numbers = isoDate.split("-").map(Number);
    var wall = Date.UTC(numbers[0], numbers[1] - 1, numbers[2]);
    var offset = offsetMinutes(wall, timeZone);
    // Once more at the instant found: the offset may change between the two (DST).
    offset = offsetMinutes(wall - offset * 60000, timeZone);
    var sign = offset < 0 ? "-" : "+";
    var size = Math.abs(offset);
    return isoDate + "T00:00:00" + sign + pad(Math.floor(size / 60)) + ":" + pad(size % 60);
  }

  /* The ISO date `days` after `isoDate`. */
  function addDays(isoDate, days) {
    var numbers = isoDate.split("-").map(Number);
    return new Date(Date.UTC(numbers[0], numbers[1] - 1, numbers[2] + days))
      .toISOString().slice(0, 10);
  }

  /* Today in a time zone, as an ISO date. */
  function today(timeZone) {
    var parts = new Intl.DateTimeFormat("en-CA", {
      timeZone: timeZone, year: "numeric", month: "2-digit", day: "2-digit"
    }).format(new Date());
    return parts.slice(0, 10);
  }

  function time(date) {
    return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }

  window.CRM = window.CRM || {};
  window.CRM.format = {
    value: value,
    isNumeric: isNumeric,
    words: words,
    day: day,
    time: time,
    isTimeZone: isTimeZone,
    startOfDay: startOfDay,
    addDays: addDays,
    today: today
  };
})();
