/** Word lists for the XSS detector: elements that run or load script, event handler names, URL-valued attributes. */

/** Elements whose mere presence loads or runs script or active content, or rewrites how the page loads. */
export const DANGEROUS_TAGS = new Set([
  'script', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'base', 'style', 'link', 'meta', 'svg', 'math',
  'xml', 'import', 'isindex', 'vmlframe', 'portal', 'handler', 'listener', 'set', 'animate',
  'animatemotion', 'animatetransform', 'foreignobject', 'layer', 'ilayer', 'bgsound', 'xmp', 'noscript',
]);

/**
 * Event handler attributes browsers implement (HTML, SVG, legacy IE). Inside a real tag any `on...=` counts;
 * this list is for values that only break out of an attribute, where prose could contain `onward=`.
 */
export const EVENT_HANDLERS = new Set([
  'onabort', 'onactivate', 'onafterprint', 'onafterscriptexecute', 'onanimationcancel', 'onanimationend',
  'onanimationiteration', 'onanimationstart', 'onauxclick', 'onbeforeactivate', 'onbeforecopy', 'onbeforecut',
  'onbeforedeactivate', 'onbeforeinput', 'onbeforepaste', 'onbeforeprint', 'onbeforescriptexecute', 'onbeforetoggle',
  'onbeforeunload', 'onbegin', 'onblur', 'onbounce', 'oncancel', 'oncanplay', 'oncanplaythrough', 'onchange', 'onclick',
  'onclose', 'oncontextmenu', 'oncopy', 'oncuechange', 'oncut', 'ondblclick', 'ondeactivate', 'ondrag', 'ondragend',
  'ondragenter', 'ondragleave', 'ondragover', 'ondragstart', 'ondrop', 'ondurationchange', 'onend', 'onended', 'onerror',
  'onfinish', 'onfocus', 'onfocusin', 'onfocusout', 'onformdata', 'onfullscreenchange', 'onhashchange', 'oninput',
  'oninvalid', 'onkeydown', 'onkeypress', 'onkeyup', 'onload', 'onloadeddata', 'onloadedmetadata', 'onloadend',
  'onloadstart', 'onmessage', 'onmousedown', 'onmouseenter', 'onmouseleave', 'onmousemove', 'onmouseout', 'onmouseover',
  'onmouseup', 'onmousewheel', 'onmove', 'onoffline', 'ononline', 'onpagehide', 'onpageshow', 'onpaste', 'onpause',
  'onplay', 'onplaying', 'onpointercancel', 'onpointerdown', 'onpointerenter', 'onpointerleave', 'onpointermove',
  'onpointerout', 'onpointerover', 'onpointerrawupdate', 'onpointerup', 'onpopstate', 'onprogress', 'onratechange',
  'onrepeat', 'onreset', 'onresize', 'onscroll', 'onscrollend', 'onsearch', 'onseeked', 'onseeking', 'onselect',
  'onselectionchange', 'onselectstart', 'onshow', 'onstart', 'onstorage', 'onsubmit', 'onsuspend', 'ontimeupdate',
  'ontoggle', 'ontouchcancel', 'ontouchend', 'ontouchmove', 'ontouchstart', 'ontransitioncancel', 'ontransitionend',
  'ontransitionrun', 'ontransitionstart', 'onunhandledrejection', 'onunload', 'onvolumechange', 'onwaiting', 'onwheel',
  'onreadystatechange', 'onpropertychange', 'onfilterchange', 'onlosecapture', 'onhelp', 'onerrorupdate', 'onrowenter',
  'onrowexit', 'onstop', 'onzoom', 'onmouseenter', 'oncommand', 'oncontentvisibilityautostatechange',
]);

/** Attributes whose value is a URL the browser may navigate to, load or execute. */
export const URL_ATTRIBUTES = new Set([
  'href', 'src', 'action', 'formaction', 'data', 'background', 'poster', 'lowsrc', 'dynsrc', 'codebase', 'code',
  'archive', 'classid', 'cite', 'longdesc', 'usemap', 'profile', 'manifest', 'icon', 'ping',
  'xml:base', 'values', 'to', 'from', 'by', 'folder', 'datasrc', 'srcset', 'imagesrcset',
]);
