/* global window, $ */
/* FlowGuard editor helpers shared by the node dialogs (loaded by their .html with a script tag, served by Node-RED as
 * a package resource): the "Test connection" row of the service config nodes, pickers that complete a field from a
 * list the service gave (Node-RED's own autoComplete), small messages under a field, and the defaults of settings a
 * flow saved before they existed lacks. Loaded once per page. */
(function () {
  'use strict';
  if (window.FlowGuardEditor) return;

  var CLIENT_CACHE_MS = 60 * 1000;
  var cache = {};

  /** The text of a failed admin request: our JSON { error }, else the HTTP status. */
  function failureText(xhr) {
    var body = xhr && xhr.responseJSON;
    if (body && body.error) return body.error;
    if (xhr && xhr.status === 401) return 'Not allowed: your Node-RED user lacks the flowguard permission';
    return 'Request failed' + (xhr && xhr.status ? ' (HTTP ' + xhr.status + ')' : '');
  }

  /** The message line under the form row holding `input` (created on first use). */
  function messageLine(input) {
    var row = $(input).closest('.form-row');
    var line = row.next('.fg-editor-message');
    if (!line.length) line = $('<div class="fg-editor-message"></div>').insertAfter(row);
    return line;
  }

  /** Shows text under a field: kind error (red), ok (green) or info (grey); empty text hides the line. */
  function showMessage(input, text, kind) {
    var line = messageLine(input);
    // Only the red border this helper set is taken away again (Node-RED's validation sets the same class).
    if ($(input).is('input') && $(input).data('fg-error')) $(input).removeClass('input-error').removeData('fg-error');
    if (!text) return void line.hide().empty();
    var icon = kind === 'error' ? 'fa-exclamation-circle' : kind === 'ok' ? 'fa-check-circle' : 'fa-info-circle';
    line.attr('data-kind', kind || 'info').empty()
      .append($('<i class="fa"></i>').addClass(icon)).append(' ').append($('<span></span>').text(text)).show();
    if ($(input).is('input') && kind === 'error') $(input).addClass('input-error').data('fg-error', true);
  }

  /** GETs (or POSTs) a list once per CLIENT_CACHE_MS; done(errorText, items). */
  function cachedList(key, request, done) {
    var hit = cache[key];
    if (hit && Date.now() - hit.at < CLIENT_CACHE_MS) return void hit.promise.then(function (items) { done(null, items); }, function (e) { done(e); });
    var promise = new Promise(function (resolve, reject) {
      request().done(resolve).fail(function (xhr) { delete cache[key]; reject(failureText(xhr)); });
    });
    cache[key] = { at: Date.now(), promise: promise };
    promise.then(function (items) { done(null, items); }, function (e) { done(e); });
  }

  function getList(url, done) {
    cachedList('GET ' + url, function () { return $.getJSON(url); }, done);
  }

  function postList(url, body, done) {
    cachedList('POST ' + url + ' ' + JSON.stringify(body), function () {
      return $.ajax({ url: url, type: 'POST', contentType: 'application/json', data: JSON.stringify(body), dataType: 'json' });
    }, done);
  }

  /** A config dialog's values: properties and credentials read from its node-config-input-* fields. */
  function dialogValues(names) {
    var out = {};
    (names || []).forEach(function (name) {
      var input = $('#node-config-input-' + name);
      if (!input.length) return;
      out[name] = input.is(':checkbox') ? input.is(':checked') : input.val();
    });
    return out;
  }

  /** The body the connection routes take: the config node as it is in the dialog now (saved or not). */
  function postedConfig(nodeId, properties, credentials) {
    return { id: nodeId, config: dialogValues(properties), credentials: dialogValues(credentials) };
  }

  /**
   * Adds a "Test connection" row after the form row holding options.after (or at the end of the dialog): the button
   * posts the dialog's values to flowguard/<service>/test-connection and shows the answer under it.
   */
  function testConnection(options) {
    var row = $('<div class="form-row fg-test-connection"></div>');
    $('<label>&nbsp;</label>').appendTo(row);
    var button = $('<button type="button" class="red-ui-button fg-test-connection-button"><i class="fa fa-plug"></i> Test connection</button>').appendTo(row);
    var anchor = options.after ? $(options.after).closest('.form-row') : $();
    if (anchor.length) row.insertAfter(anchor.nextAll('.fg-editor-message').first().length ? anchor.next('.fg-editor-message') : anchor);
    else row.appendTo('#node-config-dialog-edit-form');
    button.on('click', function () {
      button.prop('disabled', true);
      showMessage(button, 'Connecting…', 'info');
      $.ajax({
        url: 'flowguard/' + options.service + '/test-connection', type: 'POST', contentType: 'application/json', dataType: 'json',
        data: JSON.stringify(postedConfig(options.node.id, options.properties, options.credentials)),
      }).done(function (answer) {
        if (answer.ok) showMessage(button, answer.summary, 'ok');
        else showMessage(button, answer.error, 'error');
      }).fail(function (xhr) {
        showMessage(button, failureText(xhr), 'error');
      }).always(function () {
        button.prop('disabled', false);
      });
    });
    return row;
  }

  function matches(item, term) {
    if (!term) return true;
    var t = term.toLowerCase();
    return item.value.toLowerCase().indexOf(t) >= 0 || (item.label || '').toLowerCase().indexOf(t) >= 0;
  }

  /** One completion row: the value, and its label / type in the secondary colour. */
  function completion(value, item) {
    var row = $('<div style="display:flex; justify-content:space-between; gap:12px;"></div>');
    // The value keeps its start (Node-RED's class cuts a long msg path from the left); the hint gives way first.
    $('<span class="red-ui-autoComplete-completion" style="flex: 0 1 auto; max-width: 70%; direction: ltr; padding-right: 0;"></span>').text(item.value).appendTo(row);
    if (item.label && item.label !== item.value) {
      $('<span style="flex: 1 1 auto; min-width: 0; text-align: right; color: var(--red-ui-secondary-text-color); white-space: nowrap; overflow: hidden; text-overflow: ellipsis;"></span>').text(item.label).appendTo(row);
    }
    return { value: value, label: row };
  }

  /**
   * Completes a text field from a list: options.load(done) gives done(errorText, [{ value, label }]); with
   * options.multiple the field is a comma-separated list and the last entry is completed. A caret button next to the
   * field opens the whole list. Errors show under the field.
   */
  function picker(options) {
    var input = $(options.input);
    var limit = options.limit || 200;
    function search(value, done) {
      options.load(function (error, items) {
        if (error) { showMessage(input, error, 'error'); return done([]); }
        showMessage(input, '');
        var head = '';
        var term = value;
        if (options.multiple) {
          var cut = value.lastIndexOf(',');
          head = cut >= 0 ? value.slice(0, cut + 1) + ' ' : '';
          term = value.slice(cut + 1).trim();
        }
        var found = (items || []).filter(function (i) { return matches(i, term); }).slice(0, limit);
        done(found.map(function (i) { return completion(head + i.value, i); }));
      });
    }
    input.autoComplete({ minLength: 0, search: search });
    var open = $('<button type="button" class="red-ui-button fg-picker-open" title="Show the list"><i class="fa fa-caret-down"></i></button>');
    // The input keeps its width minus the button's, like Node-RED's own inputs with a button.
    input.css('width', 'calc(70% - 34px)').after(open).after(' ');
    open.on('click', function () {
      input.trigger('focus');
      input.trigger($.Event('keyup', { keyCode: 40 }));
    });
    return { open: open };
  }

  /**
   * Salesforce object and field pickers of fg-salesforce / fg-salesforce-events: objects from the config node's
   * describeGlobal; fields (and external id fields) from describe, asked only for an object the org has.
   * ids: { config, object, fields?, externalId? } as selectors.
   */
  function salesforcePickers(ids) {
    function configId() {
      var id = $(ids.config).val();
      return id && id !== '_ADD_' ? id : '';
    }
    function objects(done) {
      if (!configId()) return done('Pick a Salesforce config first');
      getList('flowguard/salesforce/' + encodeURIComponent(configId()) + '/sobjects', function (error, items) {
        done(error, items && items.map(function (o) { return { value: o.name, label: o.label }; }));
      });
    }
    /** The org's own spelling of the object in the field, or an error text. */
    function knownObject(done) {
      var typed = $(ids.object).val().trim();
      if (!typed) return done('Pick the object first');
      objects(function (error, items) {
        if (error) return done(error);
        var found = items.filter(function (o) { return o.value.toLowerCase() === typed.toLowerCase(); })[0];
        done(found ? null : 'This org has no object named "' + typed + '": pick one from the list', found && found.value);
      });
    }
    function fields(filter) {
      return function (done) {
        knownObject(function (error, object) {
          if (error) return done(error);
          getList('flowguard/salesforce/' + encodeURIComponent(configId()) + '/sobjects/' + encodeURIComponent(object) + '/fields', function (err, items) {
            done(err, items && items.filter(filter).map(function (f) { return { value: f.name, label: f.label + ' (' + f.type + ')' }; }));
          });
        });
      };
    }
    picker({ input: ids.object, load: objects });
    if (ids.fields) picker({ input: ids.fields, load: fields(function () { return true; }), multiple: true });
    if (ids.externalId) picker({ input: ids.externalId, load: fields(function (f) { return f.externalId || f.name === 'Id'; }) });
    // A name typed by hand is checked when the field is left: a message under it, no call for a partial name.
    $(ids.object).on('change', function () {
      if (!$(ids.object).val().trim() || !configId()) return showMessage(ids.object, '');
      knownObject(function (error) { showMessage(ids.object, error, 'error'); });
    });
  }

  /**
   * A validator that also accepts no value at all: a flow saved before the setting existed does not have it, and the
   * runtime uses the setting's default then. An empty value is still checked by `validator`.
   */
  function orMissing(validator) {
    return function (value, opt) {
      return value === undefined || validator.call(this, value, opt);
    };
  }

  /**
   * Shows the default of every setting the node has no value for (a flow saved before the setting existed), so the
   * dialog shows what the runtime does: no blank select, no unticked box whose default is on. Called first in
   * oneditprepare, before the dialog's own change handlers read the inputs.
   */
  function showDefaults(node) {
    var prefix = node._def.category === 'config' ? '#node-config-input-' : '#node-input-';
    $.each(node._def.defaults, function (name, def) {
      if (node[name] !== undefined || def.value === undefined || def.type) return;
      var input = $(prefix + name);
      if (input.is(':checkbox')) input.prop('checked', def.value === true);
      else if (typeof def.value !== 'object') input.val(String(def.value));
    });
  }

  var SNOWFLAKE_PROPERTIES = ['account', 'username', 'auth', 'warehouse', 'database', 'schema', 'role', 'queryTag', 'accessUrl', 'requestTimeout',
    'oauthClientId', 'oauthTokenUrl', 'oauthScope'];
  var SNOWFLAKE_CREDENTIALS = ['password', 'privateKey', 'privateKeyPass', 'token', 'programmaticToken', 'oauthClientSecret'];

  /** A loader of a Snowflake listing (flowguard/snowflake/browse): the field gets the name as an identifier. */
  function snowflakeListing(body) {
    return function (done) {
      var request = body();
      if (typeof request === 'string') return done(request);
      postList('flowguard/snowflake/browse', request, function (error, items) {
        done(error, items && items.map(function (o) { return { value: o.identifier, label: o.label }; }));
      });
    };
  }

  /** fg-snowflake-config: Test connection, and warehouse / database / schema pickers with the dialog's values. */
  function snowflakeConfigDialog(node) {
    function posted(list, extra) {
      return function () { return $.extend(postedConfig(node.id, SNOWFLAKE_PROPERTIES, SNOWFLAKE_CREDENTIALS), { list: list }, extra && extra()); };
    }
    picker({ input: '#node-config-input-warehouse', load: snowflakeListing(posted('warehouses')) });
    picker({ input: '#node-config-input-database', load: snowflakeListing(posted('databases')) });
    picker({ input: '#node-config-input-schema', load: snowflakeListing(posted('schemas', function () { return { database: $('#node-config-input-database').val() }; })) });
    testConnection({ service: 'snowflake', node: node, after: '#node-config-input-role', properties: SNOWFLAKE_PROPERTIES, credentials: SNOWFLAKE_CREDENTIALS });
  }

  /** fg-snowflake: the tables of the deployed config node's database and schema. */
  function snowflakeTablePicker(ids) {
    picker({
      input: ids.table,
      load: snowflakeListing(function () {
        var id = $(ids.config).val();
        return id && id !== '_ADD_' ? { id: id, list: 'tables' } : 'Pick a Snowflake config first';
      }),
    });
  }

  window.FlowGuardEditor = {
    snowflakeConfigDialog: snowflakeConfigDialog,
    snowflakeTablePicker: snowflakeTablePicker,
    orMissing: orMissing,
    showDefaults: showDefaults,
    salesforcePickers: salesforcePickers,
    showMessage: showMessage,
    getList: getList,
    postList: postList,
    postedConfig: postedConfig,
    testConnection: testConnection,
    picker: picker,
  };

  $('<style>').text(
    '.fg-editor-message { margin: -6px 0 12px 104px; font-size: 12px; line-height: 16px; max-width: calc(70% - 4px); overflow-wrap: anywhere; }' +
    '.fg-editor-message[data-kind="error"] { color: var(--red-ui-text-color-error); }' +
    '.fg-editor-message[data-kind="ok"] { color: var(--red-ui-text-color-success); }' +
    '.fg-editor-message[data-kind="info"] { color: var(--red-ui-secondary-text-color); }'
  ).appendTo('head');
})();
