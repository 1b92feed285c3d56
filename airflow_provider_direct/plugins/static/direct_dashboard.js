// Draws the dashboard's charts (Chart.js) from the figures the page embeds as JSON.
"use strict";

(function () {
  const figures = JSON.parse(document.getElementById("figures").textContent);
  const grid = { color: "rgba(128, 128, 128, 0.2)" };
  const common = { responsive: true, maintainAspectRatio: false, animation: false, interaction: { mode: "index", intersect: false } };

  const days = figures.units_by_day;
  // A sync spends a few hundred units of a limit in the tens of thousands: on a linear axis the limit
  // flattens the bars to nothing, so the axis turns logarithmic when the two are that far apart.
  const spentMax = Math.max(1, ...days.map((d) => d.units_spent));
  const limitMax = Math.max(0, ...days.map((d) => d.daily_limit || 0));
  const logScale = limitMax > 20 * spentMax;
  new Chart(document.getElementById("units-by-day"), {
    type: "bar",
    data: {
      labels: days.map((d) => d.day),
      datasets: [
        { type: "bar", label: "units spent", data: days.map((d) => d.units_spent), backgroundColor: "#4e79a7" },
        { type: "line", label: "daily limit", data: days.map((d) => d.daily_limit), borderColor: "#e15759", pointRadius: 2, stepped: true },
      ],
    },
    options: {
      ...common,
      scales: {
        x: { grid },
        y: logScale
          ? { type: "logarithmic", grid, title: { display: true, text: "units (log scale)" } }
          : { beginAtZero: true, grid, title: { display: true, text: "units" } },
      },
    },
  });

  const runs = figures.runs;
  new Chart(document.getElementById("units-per-run"), {
    type: "bar",
    data: {
      labels: runs.map((r) => r.started_at.slice(0, 16).replace("T", " ")),
      datasets: [
        { type: "bar", label: "units spent", data: runs.map((r) => r.units_spent), backgroundColor: "#4e79a7", yAxisID: "units" },
        { type: "line", label: "changes applied", data: runs.map((r) => r.upserted + r.deleted), borderColor: "#59a14f", pointRadius: 2, yAxisID: "changes" },
      ],
    },
    options: {
      ...common,
      scales: {
        x: { grid, ticks: { maxTicksLimit: 12 } },
        units: { position: "left", beginAtZero: true, grid, title: { display: true, text: "units" } },
        changes: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: "changes" } },
      },
    },
  });

  const behind = figures.lagging; // the server sends the logins furthest behind, furthest first
  const inHours = behind.some((s) => s.lag_seconds >= 7200);
  const lagUnit = inHours ? "hours" : "minutes";
  new Chart(document.getElementById("watermark-lag"), {
    type: "bar",
    data: {
      labels: behind.map((s) => s.client_login),
      datasets: [
        {
          label: `lag, ${lagUnit}`,
          data: behind.map((s) => +(s.lag_seconds / (inHours ? 3600 : 60)).toFixed(1)),
          backgroundColor: "#f28e2b",
        },
      ],
    },
    options: { ...common, indexAxis: "y", scales: { x: { beginAtZero: true, grid, title: { display: true, text: lagUnit } }, y: { grid } } },
  });

  for (const id of ["login", "days"]) {
    document.getElementById(id).addEventListener("change", () => document.getElementById("filters").submit());
  }
})();
