// Draws each [data-bpmn-diagram] with the vendored bpmn-js viewer: the BPMN and the marks
// (done / current / failed per element) come from the json_script the element names.
(function () {
  "use strict";
  function draw(container) {
    var data = JSON.parse(document.getElementById(container.dataset.bpmnDiagram).textContent);
    var viewer = new window.BpmnJS({ container: container });
    viewer.importXML(data.xml).then(function (result) {
      // bpmn-js reports what it could not understand; tests read it (none is expected)
      container.dataset.warnings = String(result.warnings.length);
      var canvas = viewer.get("canvas");
      canvas.zoom("fit-viewport", "auto");
      Object.keys(data.marks).forEach(function (id) {
        canvas.addMarker(id, "step-" + data.marks[id]);
      });
      container.dataset.rendered = "true";
    }).catch(function () {
      container.textContent = container.dataset.failed;
    });
  }
  if (window.BpmnJS) {
    document.querySelectorAll("[data-bpmn-diagram]").forEach(draw);
  }
})();
