// Free/busy calendar of one resource (FullCalendar, vendored). The table under it is the view without JavaScript.
document.addEventListener("DOMContentLoaded", function () {
  var el = document.getElementById("kalender");
  if (!el || !window.FullCalendar) { return; }
  var reserveUrl = el.getAttribute("data-reserve-url");
  // Labels for screen readers come from the page (translated there); FullCalendar puts the unit in $0.
  var labels = JSON.parse(el.getAttribute("data-labels") || "{}");

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  // The value a datetime-local field takes: local wall time, minutes precision.
  function local(d) {
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" + pad(d.getMinutes());
  }

  var calendar = new FullCalendar.Calendar(el, {
    locale: el.getAttribute("data-locale") || "nl",
    buttonHints: { prev: labels.prev, next: labels.next, today: labels.today },
    viewHint: labels.view,
    navLinkHint: labels.navLink,
    moreLinkHint: labels.more,
    closeHint: labels.close,
    timeHint: labels.time,
    eventHint: labels.event,
    noEventsText: labels.noEvents,
    firstDay: 1,
    timeZone: "local",
    initialView: "dayGridMonth",
    // Text buttons (Vorige/Volgende) rather than arrows: clearer, and named for screen readers.
    buttonIcons: false,
    headerToolbar: { left: "prev,next today", center: "title", right: "dayGridMonth,timeGridWeek,listMonth" },
    height: "auto",
    nowIndicator: true,
    scrollTime: "08:00:00",
    events: {
      url: el.getAttribute("data-events-url"),
      // The feed answers {resource, events}: FullCalendar wants the list.
      success: function (body) { return body.events; }
    },
    eventSourceFailure: function () {
      var box = document.getElementById("kalender-fout");
      if (box) { box.textContent = el.getAttribute("data-error"); box.hidden = false; }
    },
    selectable: Boolean(reserveUrl),
    // A free period only: not over a reservation or a blackout (holidays may lie inside a period).
    selectOverlap: function (event) {
      return event.display === "background" && event.extendedProps.kind === "closed";
    },
    select: function (info) {
      var start = new Date(info.start.getTime());
      var end = new Date(info.end.getTime());
      if (info.allDay) {
        // Whole days: from 9:00 on the first day to 17:00 on the last.
        start.setHours(9, 0, 0, 0);
        end.setDate(end.getDate() - 1);
        end.setHours(17, 0, 0, 0);
      }
      window.location.href = reserveUrl + "?starts_at=" + encodeURIComponent(local(start)) +
        "&ends_at=" + encodeURIComponent(local(end)) + "#reserveren";
    }
  });
  el.hidden = false;
  calendar.render();
});
