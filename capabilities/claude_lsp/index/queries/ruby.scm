; Ruby definitions and references.
; Every `def` is a method (top-level ones are methods of Object); `attr_*` and `alias`
; define methods too. `Outer::Inner` names its class or module Inner, contained in Outer.
; Later patterns win over earlier ones for the same name.

(class
  name: [
    (constant) @name
    (scope_resolution scope: (_) @container name: (constant) @name)
  ]) @definition.class

(module
  name: [
    (constant) @name
    (scope_resolution scope: (_) @container name: (constant) @name)
  ]) @definition.module

(method
  name: (_) @name) @definition.method

(singleton_method
  name: (_) @name) @definition.method

(alias
  name: (_) @name) @definition.method

(call
  method: (identifier) @_method
  arguments: (argument_list
    [(simple_symbol) (string (string_content))] @name . (_))
  (#eq? @_method "alias_method")) @definition.method

(call
  method: (identifier) @_method
  arguments: (argument_list (simple_symbol) @name)
  (#match? @_method "^attr_(reader|writer|accessor)$")) @definition.property

(assignment
  left: (constant) @name) @definition.constant

(assignment
  left: (scope_resolution name: (constant) @name)) @definition.constant

(call
  method: (identifier) @name) @reference.call

(constant) @name @reference.constant
