// The Precept policy language, version 1.
//
// Why the grammar looks like this:
// - Declarations start with a keyword (policy, enum, record, param, let, rule,
//   decide, table, require, output, summary), so line breaks never matter except
//   in decision tables, where a row is one line, as an officer draws it.
// - Every alternative that builds a different tree node is labelled (#name), so the
//   AST builder has one visitor method per construct.
// - Hit policies, type names and rounding modes are plain names here and are
//   checked later: the checker can then say "did you mean `collect`?" instead of
//   a parser error, and new hit policies need no grammar change.
grammar Precept;

policyFile
    : header declaration* EOF
    ;

header
    : POLICY STRING headerClause*
    ;

headerClause
    : PLACE STRING                                  #placeClause
    | YEAR NUMBER                                   #yearClause
    | EXTENDS STRING                                #extendsClause
    | LANGUAGE name                                 #languageClause
    ;

declaration
    : enumDecl
    | recordDecl
    | paramDecl
    | letDecl
    | ruleDecl
    | decideDecl
    | tableDecl
    | requireDecl
    | outputDecl
    | summaryDecl
    | exampleDecl
    | overrideDecl
    | replaceDecl
    | exceptionDecl
    | extendDecl
    | registerDecl
    ;

// enum house_grade { safe, c, d }
enumDecl
    : ENUM name '{' name (',' name)* ','? '}'
    ;

// record household { members: int where >= 1  deposits: optional money default 0 ... }
recordDecl
    : RECORD name '{' fieldDecl* '}'
    ;

// household_id: text key "registry number"    id_card: optional text personal
fieldDecl
    : name ':' OPTIONAL? typeRef (WHERE compareOp expr)? (DEFAULT expr)? fieldMark* STRING? ','?
    ;

// `key`: the household's key (one row per key in a register; registers of
// different years are joined by it). `personal`: not to be posted (a
// publicity list masks it).
fieldMark
    : KEY                                           #keyMark
    | PERSONAL                                      #personalMark
    ;

typeRef
    : LIST OF name                                  #listType
    | name                                          #namedType
    ;

// param poverty_line: money = 2736.00 "national line" source "county document 2015-3"
// or, with a value per year (the run's year picks the latest entry not after it):
// param poverty_line: money "national line"
//   2014 -> 2800 yuan source "..."
//   2015 -> 2855 yuan source "..."
paramDecl
    : PARAM name ':' typeRef '=' expr metadata*
    | PARAM name ':' typeRef metadata* datedValue+
    ;

datedValue
    : NUMBER ARROW expr metadata*
    ;

// Layering: a policy that `extends` another one changes what it inherits only
// through these, so every difference from the parent is written down as one.
// override param poverty_line = 3000 yuan source "..."
overrideDecl
    : OVERRIDE PARAM name ('=' expr metadata* | metadata* datedValue+)
    ;

// replace rule poor "...": ...   (the same shape as the declaration it replaces)
replaceDecl
    : REPLACE (letDecl | ruleDecl | decideDecl)
    ;

// exception veteran to poor "烈属" when martyr_family -> true source "..."
exceptionDecl
    : EXCEPTION name TO name STRING? WHEN expr ARROW expr metadata*
    ;

// extend enum cause { flood }   extend record household { ... }   extend table t | ... |
extendDecl
    : EXTEND enumDecl                               #extendEnum
    | EXTEND recordDecl                             #extendRecord
    | EXTEND TABLE name tableHeader tableRow+       #extendTable
    ;

metadata
    : STRING                                        #descriptionMeta
    | SOURCE STRING                                 #sourceMeta
    ;

// How the register writes its values, declared, never guessed (a layer adds to
// its parent's):
// register {
//   booleans "是" / "否", "TRUE" / "FALSE"    # each pair: true / false
//   digits fullwidth                         # ０-９ (and ．－) read as 0-9 . -
//   thousands ","                            # 3,000.50 in int, money and decimal cells
//   column 家庭纯收入 "家庭纯收入（元）"         # a header the register uses for a field
// }
registerDecl
    : REGISTER '{' registerItem* '}'
    ;

registerItem
    : BOOLEANS booleanSpelling (',' booleanSpelling)*  #booleansItem
    | DIGITS name                                   #digitsItem
    | THOUSANDS STRING                              #thousandsItem
    | COLUMN name STRING (',' STRING)*              #columnItem
    ;

booleanSpelling
    : STRING '/' STRING
    ;

// let per_capita = round(net_income / members, 2)
letDecl
    : LET name (':' typeRef)? '=' expr metadata*
    ;

// rule poor "identified as poor": wubao or (not excluded and per_capita < poverty_line)
ruleDecl
    : RULE name STRING? ':' expr metadata*
    ;

// decide category: category_kind  when not poor -> none  ...  otherwise -> ordinary
decideDecl
    : DECIDE name (':' typeRef)? STRING? whenClause+ otherwiseClause
    ;

whenClause
    : WHEN expr ARROW expr
    ;

otherwiseClause
    : OTHERWISE ARROW expr
    ;

// table measures "assistance measures" collect when poor
//   | measure     | when            | amount     |
//   | medical_aid | ill_members > 0 | 1000 yuan  |
// The hit policy may be left out (it is then `unique`).
tableDecl
    : TABLE name STRING? hitPolicy? (WHEN expr)? tableHeader tableRow+
    ;

// `rule order` starts with the keyword `rule`, so it has its own alternative.
hitPolicy
    : RULE name
    | name name?
    ;

tableHeader
    : '|' headerCell ('|' headerCell)* ROW_END
    ;

headerCell
    : WHEN expr?                                    #conditionColumn
    | name (':' typeRef)?                           #outputColumn
    ;

tableRow
    : '|' cell ('|' cell)* ROW_END
    ;

cell
    : '-'                                           #anyCell
    | compareOp expr                                #compareCell
    | expr (',' expr)*                              #valuesCell
    ;

// require members >= 1 "a household has at least one member"
requireDecl
    : REQUIRE expr STRING?
    ;

// output household_id, per_capita, total_assistance = sum(measures.amount)
outputDecl
    : OUTPUT outputItem (',' outputItem)*
    ;

outputItem
    : (name '=')? expr
    ;

// summary population = members  poor = poor  group village = county, township, village
summaryDecl
    : SUMMARY summaryItem+
    ;

summaryItem
    : GROUP name '=' name (',' name)*               #summaryGroup
    | name '=' expr                                 #summaryMeasure
    ;

// example "五保户收入高也算贫困户"
//   given members = 1, net_income = 90000 yuan, wubao = true
//   expect poor = true, category = wubao
// or `expect rejected "reason"` for a household that must be rejected.
exampleDecl
    : EXAMPLE STRING (GIVEN exampleBinding (',' exampleBinding)*)? EXPECT exampleExpectation
    ;

exampleExpectation
    : REJECTED STRING?                              #expectRejected
    | exampleBinding (',' exampleBinding)*          #expectValues
    ;

exampleBinding
    : name '=' exampleValue
    ;

exampleValue
    : '[' (expr (',' expr)*)? ']'                   #listValue
    | expr                                          #scalarValue
    ;

// Expressions, highest precedence first.
expr
    : primary                                       #primaryExpr
    | '-' expr                                      #negateExpr
    | expr op=('*' | '/') expr                      #multiplyExpr
    | expr op=('+' | '-') expr                      #addExpr
    | expr IF MISSING expr                          #defaultExpr
    | expr IS NOT? (MISSING | PRESENT)              #missingExpr
    | expr IS NOT? name                             #isExpr
    | expr compareOp expr                           #compareExpr
    | NOT expr                                      #notExpr
    | expr AND expr                                 #andExpr
    | expr OR expr                                  #orExpr
    ;

compareOp
    : '<' | '<=' | '>' | '>=' | '=' | '==' | '!=' | '<>' | '≤' | '≥' | '≠'
    ;

primary
    : NUMBER unit?                                  #numberLiteral
    | NUMBER '%'                                    #percentLiteral
    | STRING                                        #stringLiteral
    | DATE                                          #dateLiteral
    | (TRUE | FALSE)                                #boolLiteral
    | name '(' (expr (',' expr)*)? ')'              #callExpr
    | name '.' name                                 #memberExpr
    | name                                          #nameExpr
    | '(' expr ')'                                  #parenExpr
    ;

unit
    : YUAN
    ;

// Soft keywords: words that only mean something in one place can still name a
// field (a register may well have a column called `year` or `source`).
name
    : IDENT
    | PLACE | YEAR | SOURCE | OPTIONAL | WHERE | DEFAULT | LIST | OF | GROUP | MISSING | PRESENT | SUMMARY
    | EXAMPLE | GIVEN | EXPECT | REJECTED
    | EXTENDS | OVERRIDE | REPLACE | EXCEPTION | TO | EXTEND | LANGUAGE
    | KEY | PERSONAL | REGISTER | BOOLEANS | DIGITS | THOUSANDS | COLUMN
    ;

POLICY    : 'policy' ;
PLACE     : 'place' ;
YEAR      : 'year' ;
LANGUAGE  : 'language' ;
ENUM      : 'enum' ;
RECORD    : 'record' ;
OPTIONAL  : 'optional' ;
WHERE     : 'where' ;
DEFAULT   : 'default' ;
KEY       : 'key' ;
REGISTER  : 'register' ;
BOOLEANS  : 'booleans' ;
DIGITS    : 'digits' ;
THOUSANDS : 'thousands' ;
COLUMN    : 'column' ;
PERSONAL  : 'personal' ;
LIST      : 'list' ;
OF        : 'of' ;
PARAM     : 'param' ;
SOURCE    : 'source' ;
LET       : 'let' ;
RULE      : 'rule' ;
DECIDE    : 'decide' ;
WHEN      : 'when' ;
OTHERWISE : 'otherwise' ;
TABLE     : 'table' ;
REQUIRE   : 'require' ;
OUTPUT    : 'output' ;
SUMMARY   : 'summary' ;
GROUP     : 'group' ;
EXAMPLE   : 'example' ;
GIVEN     : 'given' ;
EXPECT    : 'expect' ;
REJECTED  : 'rejected' ;
AND       : 'and' ;
OR        : 'or' ;
NOT       : 'not' ;
IS        : 'is' ;
IF        : 'if' ;
MISSING   : 'missing' ;
PRESENT   : 'present' ;
TRUE      : 'true' ;
FALSE     : 'false' ;
YUAN      : 'yuan' | '元' ;
EXTENDS   : 'extends' ;
OVERRIDE  : 'override' ;
REPLACE   : 'replace' ;
EXCEPTION : 'exception' ;
TO        : 'to' ;
EXTEND    : 'extend' ;
ARROW     : '->' | '→' ;

// A `|` that ends a line ends a table row; a trailing comment may follow it.
ROW_END   : '|' [ \t]* ('#' ~[\r\n]*)? '\r'? '\n' ;

DATE      : [0-9] [0-9] [0-9] [0-9] '-' [0-9] [0-9] '-' [0-9] [0-9] ;
NUMBER    : [0-9]+ ('.' [0-9]+)? ;
STRING    : '"' (~["\\\r\n] | '\\' ["\\nt])* '"'
          | '“' ~[”\r\n]* '”'
          ;
// Letters of any script (Chinese, Tibetan, Uyghur, Latin...), then letters and
// digits. Written so that the lexer holds the big \p{L} set once, not twice:
// building it is most of the lexer's start-up time.
IDENT     : IDENT_START (IDENT_START | IDENT_DIGIT)* ;
fragment IDENT_START : [\p{L}_] ;
fragment IDENT_DIGIT : [\p{N}] ;

// Comments go to the hidden channel, not away: the parser never sees them, but
// the formatter must put every one back where the officer wrote it.
COMMENT   : '#' ~[\r\n]* -> channel(HIDDEN) ;
SPACE     : [ \t\r\n\u3000]+ -> skip ;

// Anything else becomes a token too, so that the parser, not the lexer, reports
// it: one place turns every syntax problem into plain words.
UNKNOWN_CHAR : . ;
