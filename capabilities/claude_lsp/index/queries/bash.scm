; Bash definitions and references (the grammar wheel ships no tags query).
; Functions, aliases and top-level variables (`readonly` ones are constants); every command
; run is a reference. Later patterns win over earlier ones for the same name.

(function_definition
  name: (word) @name) @definition.function

; `alias ll='ls -la'`: the name node is `ll=`; extract.py cuts it at the `=`.
(command
  name: (command_name (word) @_command)
  argument: [
    (word) @name
    (concatenation . (word) @name)
  ]
  (#eq? @_command "alias")) @definition.function

(program
  (variable_assignment
    name: (variable_name) @name) @definition.variable)

(program
  (declaration_command
    (variable_assignment
      name: (variable_name) @name) @definition.variable))

(program
  (declaration_command
    "readonly"
    (variable_assignment
      name: (variable_name) @name) @definition.constant))

(command
  name: (command_name (word) @name)) @reference.call
