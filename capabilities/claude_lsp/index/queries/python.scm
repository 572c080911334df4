; Python definitions and references.
; Assignments are captured wherever they are; extract.py drops the ones inside functions
; (locals) and turns class-level ones into fields, as ctags does.

(class_definition
  name: (identifier) @name) @definition.class

(function_definition
  name: (identifier) @name) @definition.function

; A class header the parser could not fit into a class (the grammar gives up on the rest
; of a file after, for one, a dedent inside brackets): the name alone, so the class can
; still be found; nothing is nested in it.
(ERROR
  "class" . [
    (identifier) @name
    (call function: (identifier) @name)
  ] @definition.class)

; A decorated definition's range takes in its decorators.
(decorated_definition
  definition: (class_definition name: (identifier) @name)) @definition.class

(decorated_definition
  definition: (function_definition name: (identifier) @name)) @definition.function

(assignment
  left: [
    (identifier) @name
    (pattern_list (identifier) @name)
    (tuple_pattern (identifier) @name)
    (list_pattern (identifier) @name)
  ]) @definition.variable

; A lambda bound to a name is a function (after the plain assignment, so it wins),
; also in the first two places of a tuple assignment (`f, g = lambda: 1, lambda: 2`).
(assignment
  left: (identifier) @name
  right: (lambda)) @definition.function

(assignment
  left: (pattern_list . (identifier) @name)
  right: (expression_list . (lambda))) @definition.function

(assignment
  left: (pattern_list . (_) . (identifier) @name)
  right: (expression_list . (_) . (lambda))) @definition.function

(call
  function: [
    (identifier) @name
    (attribute attribute: (identifier) @name)
  ]) @reference.call

(class_definition
  superclasses: (argument_list [
    (identifier) @name
    (attribute attribute: (identifier) @name)
  ] @reference.class))
