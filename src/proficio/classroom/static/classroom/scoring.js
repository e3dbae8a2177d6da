// Whole-class scoring by keyboard. A cell is chosen with the arrow keys (or a click);
// a number key gives that level, saves it through HTMX and moves on to the next cell, so
// scoring takes one keypress per cell. Delete or Backspace clears; Ctrl+Z or the Undo
// button takes back the last change. Saves go one at a time, in the order typed.
(function () {
  "use strict";
  const grid = document.querySelector("table[data-score-url]");
  if (!grid) return;
  const url = grid.dataset.scoreUrl;
  const undoButton = document.getElementById("undo");
  const undoStack = [];
  let queue = Promise.resolve();
  let pending = 0;

  function stateRegion() { return document.getElementById("save-state"); }

  function cells() {
    return Array.from(grid.querySelectorAll("td.score-cell"));
  }

  function position(cell) {
    const row = cell.closest("tr");
    const rows = Array.from(grid.tBodies[0].rows);
    const inRow = Array.from(row.querySelectorAll("td.score-cell"));
    return { r: rows.indexOf(row), c: inRow.indexOf(cell), rows: rows };
  }

  function cellAt(rows, r, c) {
    const row = rows[r];
    if (!row) return null;
    return row.querySelectorAll("td.score-cell")[c] || null;
  }

  function focusCell(cell) {
    if (!cell) return;
    cells().forEach(function (el) { el.tabIndex = -1; });
    cell.tabIndex = 0;
    cell.focus();
  }

  function enabled(cell) { return cell && cell.getAttribute("aria-disabled") !== "true"; }

  // The next cell to score: along the row, then the next row's first cell; rows of
  // absent students are skipped.
  function nextCell(cell) {
    const all = cells();
    for (let i = all.indexOf(cell) + 1; i < all.length; i++) {
      if (enabled(all[i])) return all[i];
    }
    return cell;
  }

  function move(cell, dr, dc) {
    const p = position(cell);
    const target = cellAt(p.rows, p.r + dr, p.c + dc);
    if (target) focusCell(target);
  }

  function setPending(n) {
    pending = n;
    grid.dataset.pending = String(n);
  }

  function save(studentId, criterionId, score, recordUndo) {
    setPending(pending + 1);
    const region = stateRegion();
    if (region) {
      region.textContent = grid.dataset.saving;
      region.classList.add("save-pending");
      region.classList.remove("save-error");
    }
    queue = queue.then(function () {
      // The version is read when the save is sent, after earlier saves have landed.
      const cell = document.getElementById("cell-" + studentId + "-" + criterionId);
      if (!cell) return null;
      const before = cell.dataset.score;
      // The table is the source (it stays in the page; the cell is replaced).
      return htmx.ajax("POST", url, {
        source: grid,
        target: "#" + cell.id,
        swap: "outerHTML",
        values: {
          student: studentId,
          criterion: criterionId,
          score: score,
          version: cell.dataset.version
        }
      }).then(function () {
        const now = document.getElementById("cell-" + studentId + "-" + criterionId);
        if (recordUndo && now && now.dataset.score !== before) {
          undoStack.push({ student: studentId, criterion: criterionId, score: before });
          undoButton.disabled = false;
        }
      });
    }).catch(function () { return null; }).then(function () {
      setPending(pending - 1);
      if (pending === 0 && stateRegion()) stateRegion().classList.remove("save-pending");
    });
    return queue;
  }

  function undo() {
    const last = undoStack.pop();
    undoButton.disabled = undoStack.length === 0;
    if (!last) {
      const region = stateRegion();
      if (region) region.textContent = grid.dataset.nothingToUndo;
      return;
    }
    save(last.student, last.criterion, last.score, false).then(function () {
      focusCell(document.getElementById("cell-" + last.student + "-" + last.criterion));
    });
  }

  grid.addEventListener("keydown", function (event) {
    const cell = event.target.closest("td.score-cell");
    if (!cell) return;
    const key = event.key;
    if ((event.ctrlKey || event.metaKey) && (key === "z" || key === "Z")) {
      event.preventDefault();
      undo();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (key === "ArrowRight") { event.preventDefault(); move(cell, 0, 1); }
    else if (key === "ArrowLeft") { event.preventDefault(); move(cell, 0, -1); }
    else if (key === "ArrowDown") { event.preventDefault(); move(cell, 1, 0); }
    else if (key === "ArrowUp") { event.preventDefault(); move(cell, -1, 0); }
    else if (/^[0-9]$/.test(key)) {
      event.preventDefault();
      if (!enabled(cell)) return;
      const levels = (cell.dataset.levels || "").split(",");
      save(cell.dataset.student, cell.dataset.criterion, key, true);
      // A level on the rubric moves on at once; anything else stays for the message.
      if (levels.indexOf(key) !== -1) focusCell(nextCell(cell));
    } else if (key === "Delete" || key === "Backspace") {
      event.preventDefault();
      if (!enabled(cell)) return;
      save(cell.dataset.student, cell.dataset.criterion, "", true);
    }
  });

  grid.addEventListener("click", function (event) {
    const cell = event.target.closest("td.score-cell");
    if (cell) focusCell(cell);
  });

  undoButton.addEventListener("click", undo);

  // Answers with a message (400: bad level; 409: a newer score) are swapped in too: they
  // hold the cell as saved and the message for the save-state region.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    const status = event.detail.xhr.status;
    if (status === 400 || status === 409) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // The cell that had focus keeps it after it is redrawn.
  let lastFocused = null;
  grid.addEventListener("focusin", function (event) {
    const cell = event.target.closest("td.score-cell");
    if (cell) lastFocused = cell.id;
  });
  document.body.addEventListener("htmx:afterSwap", function () {
    const active = document.activeElement;
    if (lastFocused && (!active || active === document.body)) {
      focusCell(document.getElementById(lastFocused));
    }
    if (!grid.querySelector("td.score-cell[tabindex='0']")) {
      const first = grid.querySelector("td.score-cell");
      if (first) first.tabIndex = 0;
    }
  });

  setPending(0);
  const first = cells().find(enabled);
  if (first) first.tabIndex = 0;
})();
