// Broadsheet's front-end script. Reading needs none of it; later features
// (comments, live blogs, alerts) hang their live behaviour here.
"use strict";
document.documentElement.classList.add("js");
