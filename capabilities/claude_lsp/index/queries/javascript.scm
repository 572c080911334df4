; JavaScript definitions and references.
; Variables count at the top level only (ctags' "global variables"); `const` ones are
; constants. Later patterns win over earlier ones for the same name.

(class_declaration
  name: (identifier) @name) @definition.class

(class
  name: (identifier) @name) @definition.class

[
  (function_declaration name: (identifier) @name)
  (generator_function_declaration name: (identifier) @name)
  (function_expression name: (identifier) @name)
  (generator_function name: (identifier) @name)
] @definition.function

(method_definition
  name: [(property_identifier) (private_property_identifier) (string)] @name) @definition.method

(method_definition
  ["get" "set"]
  name: [(property_identifier) (private_property_identifier)] @name) @definition.property

(field_definition
  property: [(property_identifier) (private_property_identifier)] @name) @definition.field

(program
  [
    (variable_declaration (variable_declarator name: (identifier) @name) @definition.variable)
    (lexical_declaration (variable_declarator name: (identifier) @name) @definition.variable)
    (export_statement
      declaration: [
        (variable_declaration (variable_declarator name: (identifier) @name) @definition.variable)
        (lexical_declaration (variable_declarator name: (identifier) @name) @definition.variable)
      ])
  ])

(program
  [
    (lexical_declaration
      kind: "const"
      (variable_declarator name: (identifier) @name) @definition.constant)
    (export_statement
      declaration: (lexical_declaration
        kind: "const"
        (variable_declarator name: (identifier) @name) @definition.constant))
  ])

(variable_declarator
  name: (identifier) @name
  value: [(arrow_function) (function_expression) (generator_function)]) @definition.function

(variable_declarator
  name: (identifier) @name
  value: (class)) @definition.class

(assignment_expression
  left: [
    (identifier) @name
    (member_expression property: (property_identifier) @name)
  ]
  right: [(arrow_function) (function_expression) (generator_function)]) @definition.function

(pair
  key: [(property_identifier) (string)] @name
  value: [(arrow_function) (function_expression) (generator_function)]) @definition.method

(
  (call_expression
    function: (identifier) @name) @reference.call
  (#not-eq? @name "require")
)

(call_expression
  function: (member_expression
    property: [(property_identifier) (private_property_identifier)] @name)) @reference.call

(new_expression
  constructor: [
    (identifier) @name
    (member_expression property: (property_identifier) @name)
  ]) @reference.class

(class_heritage
  [
    (identifier) @name
    (member_expression property: (property_identifier) @name)
  ] @reference.class)
