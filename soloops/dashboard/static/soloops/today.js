// Today's two charts, drawn with the vendored Chart.js from the figures the page carries as
// JSON (<script type="application/json" id="revenue-data">, from Django's json_script).
// Without JavaScript the charts stay hidden and the tables under them (open) show the figures;
// with it, a chart appears and its table folds away (still there for screen readers).
(function () {
  "use strict";
  if (typeof Chart === "undefined") {
    return;
  }
  const lang = document.documentElement.lang || "en";
  const ink = "#3d4852";
  const grid = "#e5e8eb";

  function figures(id) {
    const element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function reveal(name) {
    const box = document.querySelector('[data-chart="' + name + '"]');
    if (!box) {
      return null;
    }
    box.hidden = false;
    const table = box.parentElement.querySelector("details.chart-table");
    if (table) {
      table.open = false;
    }
    return box.querySelector("canvas");
  }

  const common = {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    plugins: { legend: { display: false } },
  };

  const revenue = figures("revenue-data");
  const revenueCanvas = revenue && reveal("revenue");
  if (revenueCanvas) {
    const money = new Intl.NumberFormat(lang, { style: "currency", currency: revenue.currency });
    new Chart(revenueCanvas, {
      type: "bar",
      data: {
        labels: revenue.labels,
        datasets: [
          {
            label: revenue.label,
            data: revenue.revenue.map(Number),
            backgroundColor: "#0172ad",
          },
        ],
      },
      options: {
        ...common,
        scales: {
          x: { ticks: { color: ink, maxRotation: 0, autoSkipPadding: 12 }, grid: { display: false } },
          y: {
            beginAtZero: true,
            ticks: { color: ink, callback: (value) => money.format(value) },
            grid: { color: grid },
          },
        },
        plugins: {
          ...common.plugins,
          tooltip: {
            callbacks: {
              label: (item) =>
                money.format(item.parsed.y) +
                " · " +
                revenue.orders[item.dataIndex] +
                " " +
                revenue.orders_label,
            },
          },
        },
      },
    });
  }

  // As the status badges: waiting amber, stopped red, done green, moving blue.
  const statusColours = {
    placed: "#d4a72c",
    on_hold: "#d4a72c",
    accepted: "#0172ad",
    paid: "#0172ad",
    fulfilling: "#0172ad",
    shipped: "#0172ad",
    delivered: "#2f9e52",
    completed: "#2f9e52",
    rejected: "#c4432f",
    cancelled: "#c4432f",
  };
  const statuses = figures("status-data");
  const statusCanvas = statuses && statuses.counts.length && reveal("status");
  if (statusCanvas) {
    new Chart(statusCanvas, {
      type: "bar",
      data: {
        labels: statuses.labels,
        datasets: [
          {
            label: statuses.label,
            data: statuses.counts,
            backgroundColor: statuses.statuses.map((status) => statusColours[status] || "#5c6670"),
          },
        ],
      },
      options: {
        ...common,
        indexAxis: "y",
        scales: {
          x: { beginAtZero: true, ticks: { color: ink, precision: 0 }, grid: { color: grid } },
          y: { ticks: { color: ink }, grid: { display: false } },
        },
      },
    });
  }
})();
