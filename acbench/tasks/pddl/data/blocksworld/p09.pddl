(define (problem blocksworld-p09)
  (:domain blocksworld)
  (:objects b1 b2 b3 b4 - block)
  (:init
    (arm-empty)
    (on-table b1)
    (on b2 b1)
    (on b4 b2)
    (on b3 b4)
    (clear b3))
  (:goal
    (and
      (on b4 b1))))
